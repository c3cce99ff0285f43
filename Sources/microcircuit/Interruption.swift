import Foundation

/// Set by SIGINT/SIGTERM; the run stops at the next chunk boundary and writes nothing (or,
/// with `run --keep-partial`, what it simulated).
nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0
/// What a second signal prints, made before any signal comes (a handler may only write).
nonisolated(unsafe) private var secondSignalMessage: (text: UnsafeMutablePointer<CChar>, length: Int)?

/// The first signal asks the run to stop; a second ends the process at once, for a run that
/// cannot reach its next chunk boundary (a device that does not come back from a kernel).
/// Nothing is written then: the output folder's hidden staging folder stays until the next
/// run to the same folder removes it.
private func requestInterruption(_: Int32) {
    if interruptRequested != 0 {
        if let message = secondSignalMessage { _ = write(STDERR_FILENO, message.text, message.length) }
        _exit(130)
    }
    interruptRequested = 1
}

enum Interruption {
    static func install() {
        let text = "\nsecond interrupt: stopped at once, without waiting for the device; nothing written\n"
        if secondSignalMessage == nil, let copy = strdup(text) { secondSignalMessage = (copy, strlen(copy)) }
        signal(SIGINT, requestInterruption)
        signal(SIGTERM, requestInterruption)
    }

    static var requested: Bool { interruptRequested != 0 }
}
