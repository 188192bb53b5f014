import Foundation

/// RMSNorm as ggml_rms_norm followed by a multiply with `weight`:
/// out = x / sqrt(mean(x²) + eps) · weight. The sum of squares is accumulated in Double, as ggml does.
/// x, out: (dim); weight: (dim). `out` may alias `x`.
@inline(__always)
public func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                    out: UnsafeMutablePointer<Float>, dim: Int) {
    var ss: Double = 0
    for i in 0..<dim { ss += Double(x[i]) * Double(x[i]) }
    let s = Float(1.0 / (ss / Double(dim) + Double(eps)).squareRoot())
    for i in 0..<dim { out[i] = x[i] * s * weight[i] }
}

/// Applies `rmsNorm` to each of `rows` consecutive vectors of length `dim`, in place.
/// x: (rows, dim)
public func rmsNormRows(_ x: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                        rows: Int, dim: Int) {
    for r in 0..<rows {
        rmsNorm(x + r * dim, weight: weight, eps: eps, out: x + r * dim, dim: dim)
    }
}
