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

/// The backward pass of `rmsNorm` for one vector: with s = 1/√(mean(x²) + eps) and g = dy·weight,
/// dx = s·g − s³·x·Σ(g·x)/dim, and dWeight += dy·x·s (accumulated, since every token of a batch
/// adds to it). x, dy, dx: (dim); weight, dWeight: (dim). `dx` may alias `dy`.
public func rmsNormBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                            dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                            dWeight: UnsafeMutablePointer<Float>?, dim: Int) {
    var ss: Double = 0, gx: Double = 0
    for i in 0..<dim {
        ss += Double(x[i]) * Double(x[i])
        gx += Double(dy[i]) * Double(weight[i]) * Double(x[i])
    }
    let s = 1.0 / (ss / Double(dim) + Double(eps)).squareRoot()
    let sf = Float(s), c = Float(s * s * s * gx / Double(dim))
    if let dWeight { for i in 0..<dim { dWeight[i] += dy[i] * x[i] * sf } }
    for i in 0..<dim { dx[i] = sf * dy[i] * weight[i] - c * x[i] }
}
