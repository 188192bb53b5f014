import Foundation

/// LayerNorm (BERT's): out = (x − mean(x)) / sqrt(var(x) + eps) · weight + bias, the variance
/// taken over the `dim` values (not unbiased). Sums in Double. x, out: (dim); `out` may alias `x`.
@inline(__always)
public func layerNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
                      out: UnsafeMutablePointer<Float>, dim: Int) {
    var sum: Double = 0
    for i in 0..<dim { sum += Double(x[i]) }
    let mean = sum / Double(dim)
    var ss: Double = 0
    for i in 0..<dim { let d = Double(x[i]) - mean; ss += d * d }
    let inv = Float(1 / (ss / Double(dim) + Double(eps)).squareRoot()), m = Float(mean)
    for i in 0..<dim { out[i] = (x[i] - m) * inv * weight[i] + bias[i] }
}
