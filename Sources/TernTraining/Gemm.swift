import TernKernels

/// The three float matrix products that a linear layer's forward and backward passes need, each
/// split across the pool. Row-major throughout; `accumulate` adds to `out` instead of overwriting.
///
///     forward      y  = x · Wᵀ        gemmABt(x, W)     (T, rows)
///     input grad   dx = dy · W        gemmAB(dy, W)     (T, cols)
///     weight grad  dW = dyᵀ · x       gemmAtB(dy, x)    (rows, cols)
public enum Gemm {
    /// out (M, N) = a (M, K) · bᵀ, with b (N, K).
    public static func abt(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                           m: Int, n: Int, k: Int, accumulate: Bool = false, pool: ThreadPool) {
        // Columns of the output in blocks: each thread streams its rows of b once per row of a.
        pool.parallelFor(n, grain: 16) { range in
            for i in 0..<m {
                let ai = a + i * k, oi = out + i * n
                for j in range {
                    let d = dot(ai, b + j * k, k)
                    oi[j] = accumulate ? oi[j] + d : d
                }
            }
        }
    }

    /// out (M, N) = a (M, K) · b (K, N).
    public static func ab(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                          m: Int, n: Int, k: Int, accumulate: Bool = false, pool: ThreadPool) {
        pool.parallelFor(m) { range in
            for i in range {
                let oi = out + i * n
                if !accumulate { oi.update(repeating: 0, count: n) }
                for p in 0..<k where a[i * k + p] != 0 { axpy(a[i * k + p], b + p * n, oi, n) }
            }
        }
    }

    /// out (M, N) = aᵀ · b, with a (K, M) and b (K, N).
    public static func atb(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                           m: Int, n: Int, k: Int, accumulate: Bool = false, pool: ThreadPool) {
        pool.parallelFor(m) { range in
            for i in range {
                let oi = out + i * n
                if !accumulate { oi.update(repeating: 0, count: n) }
                for p in 0..<k where a[p * m + i] != 0 { axpy(a[p * m + i], b + p * n, oi, n) }
            }
        }
    }
}
