import Foundation
import Synchronization

/// Persistent worker threads for the per-step parallel loop. A step costs one spin barrier
/// instead of a dispatch to a thread pool: at scale 0.1 a step is ~60 us of work, and
/// `concurrentPerform` per step cost more than a second thread gained. Workers spin briefly
/// between steps, then sleep in short naps, so an idle backend does not hold the cores.
final class StepWorkers: @unchecked Sendable {
    let count: Int
    private let shared: Shared

    /// State the threads share; the threads hold it, not the `StepWorkers`, so `deinit` runs.
    private final class Shared: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        /// Written before `generation` is released; read after it is acquired.
        var task: ((Int) -> Void)?
    }

    init(count: Int) {
        self.count = max(1, count)
        shared = Shared()
        for worker in 1..<self.count {
            let shared = self.shared
            let thread = Thread { StepWorkers.loop(worker, shared) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        shared.stopping.store(true, ordering: .releasing)
        shared.generation.add(1, ordering: .releasing)
    }

    /// Runs `body(w)` for w in 0..<count, w = 0 on the calling thread; returns when all are done.
    func run(_ body: (Int) -> Void) {
        guard count > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in
            shared.task = body
            shared.finished.store(0, ordering: .relaxed)
            shared.generation.add(1, ordering: .releasing)
            body(0)
            var spins = 0
            while shared.finished.load(ordering: .acquiring) < count - 1 { StepWorkers.pause(&spins) }
            shared.task = nil
        }
    }

    private static func loop(_ worker: Int, _ shared: Shared) {
        var seen = 0
        while true {
            var spins = 0
            while shared.generation.load(ordering: .acquiring) == seen { pause(&spins) }
            seen += 1
            if shared.stopping.load(ordering: .acquiring) { return }
            shared.task!(worker)
            shared.finished.add(1, ordering: .releasing)
        }
    }

    /// Spin, then yield, then nap: fast hand-over within a run, little CPU when idle.
    @inline(__always)
    private static func pause(_ spins: inout Int) {
        spins += 1
        if spins > 200_000 { usleep(50) } else if spins > 20_000 { sched_yield() }
    }
}
