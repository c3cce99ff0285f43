import Foundation
import Simulation

/// Hands a run's chunks of recordings to its `RecordingFiles`, in the background where the
/// backend leaves a host core free for it (a GPU, or fewer CPU threads than cores): a thread
/// of its own writes one chunk while the backend simulates the next, and `append` waits only
/// when the chunk before is not written yet, so a run holds at most two chunks. Otherwise
/// `append` writes at once. Call `stop` (or `finish`) on every path: the thread ends there.
public final class RecordingWriter: @unchecked Sendable {
    private let files: RecordingFiles
    /// Whether a thread of its own writes the chunks.
    public let inBackground: Bool
    private let condition = NSCondition()
    // Guarded by `condition`: the chunk handed over and not written yet, the first write
    // error, and the thread's state.
    private var chunk: SimulationDriver.Chunk?
    private var failure: (any Error)?
    private var stopping = false
    private var threadRunning: Bool

    public init(_ files: RecordingFiles, inBackground: Bool) {
        self.files = files
        self.inBackground = inBackground
        threadRunning = inBackground
        guard inBackground else { return }
        let thread = Thread { [self] in writeChunks() }
        thread.name = "microcircuit recordings"
        thread.start()
    }

    /// Writes `spikes` and `voltages` after the chunk before; throws the first write error.
    public func append(spikes: SpikeTrains, voltages: VoltageTrace?) throws {
        condition.lock()
        defer { condition.unlock() }
        guard inBackground else { return try files.append(spikes: spikes, voltages: voltages) }
        precondition(!stopping, "recordings appended after stop")
        while chunk != nil && failure == nil { condition.wait() }
        if let failure { throw failure }
        chunk = (spikes, voltages)
        condition.broadcast()
    }

    /// Writes what is left, ends the thread and closes the files.
    public func finish() throws {
        stop()
        if let failure { throw failure }
        try files.finish()
    }

    /// Ends the thread after the chunk it has (when the run failed, the files are discarded).
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while threadRunning { condition.wait() }
        condition.unlock()
    }

    private func writeChunks() {
        condition.lock()
        while failure == nil {
            while chunk == nil && !stopping { condition.wait() }
            guard let next = chunk else { break }
            condition.unlock()
            var writeError: (any Error)?
            do {
                try files.append(spikes: next.spikes, voltages: next.voltages)
            } catch {
                writeError = error
            }
            condition.lock()
            failure = writeError
            chunk = nil
            condition.broadcast()
        }
        threadRunning = false
        condition.broadcast()
        condition.unlock()
    }
}
