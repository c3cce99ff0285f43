import Foundation
import MicrocircuitModel
import Simulation

/// A live progress line on stderr: rewritten in place on a terminal, one line per tenth of
/// the run otherwise (logs stay short), or nothing off a terminal with `terminalOnly`.
final class ProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let quiet: Bool
    private var lastDecile = -1
    private var lastWidth = 0

    init(quiet: Bool, terminalOnly: Bool = false) {
        self.quiet = quiet || (terminalOnly && !isTerminal)
    }

    func update(_ p: RunProgress) {
        guard !quiet else { return }
        let percent = 100 * Double(p.step) / Double(max(1, p.totalSteps))
        var line = p.phase.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + String(
            format: "%5.1f%%  t = %.1f ms  RTF %.3f  spikes %d",
            percent, Double(p.step) * p.resolution, p.realTimeFactor, p.spikes)
        if let left = p.secondsLeft, left >= 1 { line += "  about \(formatDuration(left)) left" }
        if isTerminal {
            let padding = String(repeating: " ", count: max(0, lastWidth - line.count))
            FileHandle.standardError.write(Data(("\r" + line + padding).utf8))
            lastWidth = line.count
        } else {
            let decile = Int(percent / 10)
            if decile != lastDecile {
                lastDecile = decile
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }

    /// Ends the line; `erasing` clears it instead, for output that follows on stdout.
    func finish(erasing: Bool = false) {
        guard !quiet && isTerminal else { return }
        let end = erasing ? "\r" + String(repeating: " ", count: lastWidth) + "\r" : "\n"
        FileHandle.standardError.write(Data(end.utf8))
        lastWidth = 0
    }
}

func report(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
