import Foundation
import TernKernels

/// Cross-entropy with the output projection fused in and taken a few tokens at a time, so the
/// (T, V) logits never exist at once: for Gemma's V = 262,144 they would be by far the largest
/// tensor of training. Only tokens with a target are projected at all (prompt tokens of an SFT
/// example cost nothing here). For each chunk of n tokens:
///
///     z = h·Wᵀ (n, V);  loss += lse(z) − z[target];  dz = (softmax(z) − onehot(target))·scale
///     dh += dz·W;  dW += dzᵀ·h when the output weight is trained
///
///     let ce = FusedCrossEntropy(chunk: 128)
///     let nll = ce(hidden: h, targets: targets, output: head, gradScale: 1 / Float(n), dHidden: dh, pool: pool)
public struct FusedCrossEntropy: Sendable {
    /// Tokens projected together: the working set is chunk × V floats (128 × 262,144 × 4 B = 128 MB).
    /// Larger chunks read a frozen output matrix fewer times.
    public var chunk: Int

    public init(chunk: Int = 128) { self.chunk = max(1, chunk) }

    /// The summed negative log-likelihood of `targets` (T entries; negative = no loss at that
    /// token). With `dHidden`, also adds gradScale·∂nll/∂h to it (T, C) and lets `output`
    /// accumulate its weight gradient. hidden: (T, C), output: (V, C).
    public func callAsFunction(hidden: UnsafePointer<Float>, targets: [Int], output: Linear, gradScale: Float = 1,
                               dHidden: UnsafeMutablePointer<Float>?, pool: ThreadPool) -> Double {
        tokenLosses(hidden: hidden, targets: targets, output: output, dHidden: dHidden, pool: pool) { _, _ in gradScale }.reduce(0, +)
    }

    /// Each token's negative log-likelihood nll_t (0 where targets[t] < 0). With `dHidden`, adds
    /// the gradient of Σ_t w_t·nll_t, where w_t = weight(t, nll_t) is decided once the token's
    /// loss is known and held constant (a policy-gradient step's coefficient; gradScale for SFT).
    public func tokenLosses(hidden: UnsafePointer<Float>, targets: [Int], output: Linear, dHidden: UnsafeMutablePointer<Float>?,
                            pool: ThreadPool, weight: (Int, Double) -> Float) -> [Double] {
        let C = output.cols, V = output.rows
        var out = [Double](repeating: 0, count: targets.count)
        let counted = targets.indices.filter { targets[$0] >= 0 }
        guard !counted.isEmpty else { return out }
        let n = min(chunk, counted.count)
        let h = UnsafeMutablePointer<Float>.allocate(capacity: n * C)
        let dh = UnsafeMutablePointer<Float>.allocate(capacity: n * C)
        let z = UnsafeMutablePointer<Float>.allocate(capacity: n * V)
        defer { h.deallocate(); dh.deallocate(); z.deallocate() }
        for start in stride(from: 0, to: counted.count, by: n) {
            let rows = Array(counted[start..<min(start + n, counted.count)])
            for (i, t) in rows.enumerated() { (h + i * C).update(from: hidden + t * C, count: C) }
            output.forward(h, tokens: rows.count, out: z, pool: pool)
            var losses = [Double](repeating: 0, count: rows.count), sums = losses
            losses.withUnsafeMutableBufferPointer { losses in
                sums.withUnsafeMutableBufferPointer { sums in
                    pool.parallelFor(rows.count) { range in
                        for i in range {
                            // One pass of exp: e = exp(z − max) in place, summed in Double.
                            let zi = z + i * V, zTarget = zi[targets[rows[i]]]
                            let m = Self.maximum(zi, V)
                            var sum = 0.0, j = 0
                            while j + 16 <= V {  // 16 lanes at a time, each group's sum added in Double
                                let e = exp16(load16(zi + j) - m)
                                store16(e, zi + j)
                                sum += Double(e.sum())
                                j += 16
                            }
                            for j in j..<V {
                                let e = expf(zi[j] - m)
                                zi[j] = e
                                sum += Double(e)
                            }
                            sums[i] = sum
                            losses[i] = Double(m) + log(sum) - Double(zTarget)
                        }
                    }
                }
            }
            for (i, t) in rows.enumerated() { out[t] = losses[i] }
            guard let dHidden else { continue }
            // dz = (softmax(z) − onehot(target))·w, softmax = e / Σe.
            let w = rows.indices.map { weight(rows[$0], losses[$0]) }, sum = sums
            pool.parallelFor(rows.count) { range in
                for i in range {
                    let zi = z + i * V
                    scale(zi, Float(Double(w[i]) / sum[i]), V)
                    zi[targets[rows[i]]] -= w[i]
                }
            }
            dh.update(repeating: 0, count: rows.count * C)
            output.backward(z, input: h, tokens: rows.count, dx: dh, pool: pool)
            for (i, t) in rows.enumerated() { add(dh + i * C, into: dHidden + t * C, C) }
        }
        return out
    }

    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m16 = SIMD16<Float>(repeating: -.infinity), j = 0
        while j + 16 <= n { m16 = max16(m16, load16(x + j)); j += 16 }
        var m = m16.max()
        for j in j..<n { m = max(m, x[j]) }
        return m
    }
}
