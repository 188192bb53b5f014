import Foundation

/// Rotary position embedding in ggml's NEOX layout: dimension i is rotated with i + D/2
/// (not with its neighbour, as in the original GPT-J layout).
///
///     let rope = RoPE(headDim: 256, base: 10_000)
///     rope.apply(q, heads: 4, position: 7)
public struct RoPE: Sendable {
    public let headDim: Int
    public let base: Float
    /// θ_i = base^(-2i/D) for i in 0..<D/2, built by repeated multiplication as ggml's rope does.
    let inverseFrequencies: [Float]

    public init(headDim: Int, base: Float) {
        self.headDim = headDim
        self.base = base
        let step = powf(base, -2 / Float(headDim))
        var theta: Float = 1
        var freqs = [Float]()
        freqs.reserveCapacity(headDim / 2)
        for _ in 0..<headDim / 2 { freqs.append(theta); theta *= step }
        inverseFrequencies = freqs
    }

    /// Rotates `heads` consecutive vectors of length D at `position`, in place. x: (heads, D)
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        rotate(x, heads: heads, position: position, sign: 1)
    }

    /// The backward pass of `apply`: a rotation's transpose is the rotation by the opposite angle,
    /// so gradients with respect to the rotated vectors map back by rotating with -θ. x: (heads, D)
    public func applyBackward(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        rotate(x, heads: heads, position: position, sign: -1)
    }

    private func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int, sign: Float) {
        let half = headDim / 2
        inverseFrequencies.withUnsafeBufferPointer { freqs in
            for i in 0..<half {
                let angle = Float(position) * freqs[i]
                let c = cosf(angle), s = sign * sinf(angle)
                for h in 0..<heads {
                    let v = x + h * headDim
                    let a = v[i], b = v[i + half]
                    v[i] = a * c - b * s
                    v[i + half] = a * s + b * c
                }
            }
        }
    }
}
