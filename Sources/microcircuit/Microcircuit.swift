import ArgumentParser
import Foundation

/// The command-line tool. Usage errors and invalid parameters exit with status 2.
@main
struct Microcircuit: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "microcircuit",
        abstract: "Simulate the Potjans & Diesmann (2014) cortical microcircuit.",
        version: version,
        subcommands: [RunCommand.self, ConfigCommand.self, VerifyCommand.self, DevicesCommand.self, AnalyzeCommand.self, CompareCommand.self, BenchCommand.self])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CommandFailure {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            Foundation.exit(error.status)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// A failure with a message for the user and an exit status: 2 for bad input, 130 for an
/// interruption (as for Ctrl-C in a shell), 1 otherwise.
struct CommandFailure: Error {
    var message: String
    var status: Int32

    static let interruptedStatus: Int32 = 130
    var isInterruption: Bool { status == Self.interruptedStatus }
}
