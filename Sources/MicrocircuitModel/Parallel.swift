import Dispatch

/// Splits 0..<count into `parts` contiguous ranges of nearly equal size, in order.
public func contiguousChunks(_ count: Int, parts: Int) -> [Range<Int>] {
    let parts = max(1, parts)
    return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
}

/// Runs `body(i)` for every i in 0..<iterations on `threads` workers; worker t takes
/// t, t + threads, ... . Callers make the result independent of that assignment.
public func parallelFor(_ iterations: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = min(max(1, threads), iterations)
    if workers <= 1 {
        for i in 0..<iterations { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: iterations, by: workers) { work.value(i) }
        }
    }
}

/// Hands a value to worker threads whose accesses the caller keeps disjoint.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
