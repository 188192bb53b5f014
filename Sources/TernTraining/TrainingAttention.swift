import Foundation
import TernKernels

/// Scaled dot-product attention over whole sequences, for training: grouped-query heads (H query
/// heads share Hkv key/value heads), a causal mask, an optional sliding window, and packed
/// sequences (a token sees only the tokens of its own example). The forward pass keeps one
/// log-sum-exp per row, and the backward pass recomputes each probability from it instead of
/// storing the (H, T, T) matrix, as FlashAttention does.
///
/// A query at t sees the keys j with start(t) ≤ j ≤ t and t − j < window.
public struct TrainingAttention: Sendable {
    public let heads: Int      // H
    public let kvHeads: Int    // Hkv
    public let headDim: Int    // D
    public let window: Int?
    /// Applied to q·k (1 when the queries are already scaled, as Gemma's are).
    public let scale: Float

    public init(heads: Int, kvHeads: Int, headDim: Int, window: Int? = nil, scale: Float) {
        precondition(heads % kvHeads == 0)
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.window = window
        self.scale = scale
    }

    /// The first key a query at `t` sees.
    @inline(__always)
    func firstKey(_ t: Int, start: Int) -> Int { window.map { max(start, t - $0 + 1) } ?? start }

    /// q (T, H·D), k and v (T, Hkv·D), starts[t] = the first token of t's sequence.
    /// Writes out (T, H·D) and lse (T, H).
    public func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, starts: [Int],
                        out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let T = starts.count, H = heads, D = headDim, group = H / kvHeads, kvDim = kvHeads * D
        pool.parallelFor(T * H) { range in
            var scores = [Float](repeating: 0, count: T)
            for job in range {
                let t = job / H, h = job % H, g = h / group
                let qt = q + t * H * D + h * D, ot = out + t * H * D + h * D
                let j0 = firstKey(t, start: starts[t])
                var m = -Float.infinity
                for j in j0...t {
                    let s = scale * dot(qt, k + j * kvDim + g * D, D)
                    scores[j] = s
                    m = max(m, s)
                }
                var sum: Float = 0
                for j in j0...t { let e = expf(scores[j] - m); scores[j] = e; sum += e }
                ot.update(repeating: 0, count: D)
                for j in j0...t { axpy(scores[j] / sum, v + j * kvDim + g * D, ot, D) }
                lse[t * H + h] = m + logf(sum)
            }
        }
    }

    /// Given the forward's inputs, its out and lse, and dout (T, H·D): writes dq (T, H·D) and
    /// dk, dv (T, Hkv·D). Queries' gradients are taken row by row and keys' and values' column by
    /// column, so every thread writes only its own rows.
    public func backward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, starts: [Int],
                         out: UnsafePointer<Float>, lse: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                         dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                         pool: ThreadPool) {
        let T = starts.count, H = heads, D = headDim, group = H / kvHeads, kvDim = kvHeads * D, qDim = H * D
        // δ[t, h] = dout · out: the softmax's backward needs Σ_j p_j·dp_j, which equals this.
        var delta = [Float](repeating: 0, count: T * H)
        delta.withUnsafeMutableBufferPointer { delta in
            for t in 0..<T { for h in 0..<H { delta[t * H + h] = dot(dout + t * qDim + h * D, out + t * qDim + h * D, D) } }
        }
        // ds = p·(dp − δ), with p = exp(s − lse) and dp = dout·v_j.
        @inline(__always) func ds(_ t: Int, _ h: Int, _ j: Int) -> (p: Float, ds: Float) {
            let g = h / group
            let s = scale * dot(q + t * qDim + h * D, k + j * kvDim + g * D, D)
            let p = expf(s - lse[t * H + h])
            let dp = dot(dout + t * qDim + h * D, v + j * kvDim + g * D, D)
            return (p, p * (dp - delta[t * H + h]))
        }
        pool.parallelFor(T) { range in
            for t in range {
                (dq + t * qDim).update(repeating: 0, count: qDim)
                for h in 0..<H {
                    let g = h / group
                    for j in firstKey(t, start: starts[t])...t {
                        axpy(scale * ds(t, h, j).ds, k + j * kvDim + g * D, dq + t * qDim + h * D, D)
                    }
                }
            }
        }
        // The queries that see key j: from j to the end of its sequence, within the window.
        var ends = [Int](repeating: T, count: T)
        for t in stride(from: T - 2, through: 0, by: -1) { ends[t] = starts[t + 1] == starts[t] ? ends[t + 1] : t + 1 }
        pool.parallelFor(T) { range in
            for j in range {
                (dk + j * kvDim).update(repeating: 0, count: kvDim)
                (dv + j * kvDim).update(repeating: 0, count: kvDim)
                let last = min(ends[j], window.map { j + $0 } ?? T) - 1
                guard last >= j else { continue }
                for h in 0..<H {
                    let g = h / group
                    for t in j...last {
                        let (p, d) = ds(t, h, j)
                        axpy(scale * d, q + t * qDim + h * D, dk + j * kvDim + g * D, D)
                        axpy(p, dout + t * qDim + h * D, dv + j * kvDim + g * D, D)
                    }
                }
            }
        }
    }
}
