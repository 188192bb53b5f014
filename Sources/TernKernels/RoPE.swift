import Foundation

/// Rotary position embedding as ggml computes it. In the NEOX layout (Gemma, Qwen) dimension i is
/// rotated with i + D/2; in the normal layout (Llama) with its neighbour i + 1, as in the original
/// paper. Llama 3 divides each frequency by a factor (its `rope_freqs` tensor).
///
///     let rope = RoPE(headDim: 256, base: 10_000)
///     rope.apply(q, heads: 4, position: 7)
public struct RoPE: Sendable {
    public enum Style: Sendable { case neox, normal }

    public let headDim: Int
    public let base: Float
    public let style: Style
    /// θ_i = base^(-2i/D) / factor_i for i in 0..<D/2, built by repeated multiplication as ggml's rope does.
    let inverseFrequencies: [Float]

    /// `frequencyFactors`: D/2 divisors of the frequencies (nil: none).
    public init(headDim: Int, base: Float, style: Style = .neox, frequencyFactors: [Float]? = nil) {
        precondition(frequencyFactors == nil || frequencyFactors!.count == headDim / 2, "RoPE: one frequency factor per dimension pair")
        self.headDim = headDim
        self.base = base
        self.style = style
        let step = powf(base, -2 / Float(headDim))
        var theta: Float = 1
        var freqs = [Float]()
        freqs.reserveCapacity(headDim / 2)
        for i in 0..<headDim / 2 { freqs.append(theta / (frequencyFactors?[i] ?? 1)); theta *= step }
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
                let (first, second) = style == .neox ? (i, i + half) : (2 * i, 2 * i + 1)
                for h in 0..<heads {
                    let v = x + h * headDim
                    let a = v[first], b = v[second]
                    v[first] = a * c - b * s
                    v[second] = a * s + b * c
                }
            }
        }
    }
}
