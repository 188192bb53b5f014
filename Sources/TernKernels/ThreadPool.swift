import TernCKernels

/// Splits a loop across a fixed set of worker threads that live as long as the pool.
///
/// The hot path (matrix products, attention) calls `parallelFor` a few hundred times per token,
/// so the workers spin briefly between jobs instead of being woken by the system (TernCKernels'
/// pool.c); no Swift tasks and no allocation per call. Work is cut into up to four contiguous
/// ranges per thread, handed out in turn, so a thread slowed by other load on the machine does
/// not hold the others up.
///
///     let pool = ThreadPool(threads: 2)
///     pool.parallelFor(rows) { range in for r in range { out[r] = dot(r) } }
public final class ThreadPool: @unchecked Sendable {  // the C pool serialises concurrent jobs
    public let threads: Int
    private let pool: OpaquePointer

    public init(threads: Int) {
        self.threads = max(1, threads)
        pool = tern_pool_create(Int32(self.threads))
    }

    deinit { tern_pool_destroy(pool) }

    /// Runs `body` over `0..<count`, split into at most 4 × `threads` ranges, and returns when all
    /// are done. `grain` is the smallest range worth a range of its own.
    public func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let parts = threads == 1 ? 1 : min(4 * threads, max(1, count / max(1, grain)))
        if parts == 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            var job = Job(count: count, body: body)
            withUnsafeMutablePointer(to: &job) { pointer in
                tern_pool_run(pool, { context, part, parts in
                    let job = context!.assumingMemoryBound(to: Job.self).pointee
                    let lo = job.count * Int(part) / Int(parts), hi = job.count * Int(part + 1) / Int(parts)
                    job.body(lo..<hi)
                }, pointer, Int32(parts))
            }
        }
    }

    private struct Job {
        let count: Int
        let body: (Range<Int>) -> Void
    }
}
