import Foundation

/// Set by SIGINT/SIGTERM; the run stops at the next chunk boundary and writes nothing (or,
/// with `run --keep-partial`, what it simulated).
nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0

enum Interruption {
    static func install() {
        signal(SIGINT) { _ in interruptRequested = 1 }
        signal(SIGTERM) { _ in interruptRequested = 1 }
    }

    static var requested: Bool { interruptRequested != 0 }
}
