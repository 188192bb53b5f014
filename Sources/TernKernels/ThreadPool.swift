import Dispatch

/// Splits a loop across a fixed number of worker threads.
///
/// The hot path (matrix products, attention) calls `parallelFor` a few hundred times per token, so
/// it uses Dispatch's worker pool directly rather than Swift tasks. Work is cut into `threads`
/// contiguous ranges, one per worker, which keeps each worker on its own rows of a weight matrix.
///
///     let pool = ThreadPool(threads: 2)
///     pool.parallelFor(rows) { range in for r in range { out[r] = dot(r) } }
public final class ThreadPool: Sendable {
    public let threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// Runs `body` over `0..<count`, split into at most `threads` ranges, and returns when all are done.
    /// `grain` is the smallest range worth sending to another thread.
    public func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let parts = min(threads, max(1, count / max(1, grain)))
        if parts == 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            let work = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let lo = count * part / parts, hi = count * (part + 1) / parts
                work.value(lo..<hi)
            }
        }
    }
}

/// Carries a non-Sendable value into `concurrentPerform`; callers guarantee the workers write disjoint memory.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
