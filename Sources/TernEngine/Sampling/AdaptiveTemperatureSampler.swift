import Foundation

/// Adaptive temperature from "softmax is not enough (for sharp out-of-distribution)", Veličković,
/// Perivolaropoulos, Barbero and Pascanu, 2024 (arXiv 2410.01104, and the JAX listing of
/// `adaptive_temperature_softmax` in the paper). Softmax disperses as the number of competing
/// items grows; the paper counters this by lowering the temperature when the Shannon entropy of
/// the softmax is high.
///
/// The recipe, exactly as the paper's listing (`adaptive_temperature_softmax`) applies it:
///
///     H = −Σ pᵢ · ln(pᵢ + 1e-9)              p = softmax(logits), natural log
///     β = max(poly(H), 1)  if H > 0.5,  else 1
///     poly(H) = −0.037·H⁴ + 0.481·H³ − 2.3·H² + 4.917·H − 1.791
///     logits ← logits · β                     (β is the inverse temperature, θ = 1/β)
///
/// The polynomial is the paper's degree-4 fit of the best inverse temperature against entropy
/// (its Figure 5, cited by the listing's `# see Figure 5`); the 0.5 threshold leaves already-sharp distributions alone, and the clamp at 1
/// means the temperature is never raised (the entropy never increases). Between H ≈ 0.85 and
/// H ≈ 5.8 nats β > 1 (e.g. β(1) = 1.27, β(3) = 2.25); outside that window the fit drops below 1
/// and the clamp makes the step a no-op, so on a full 100k-token vocabulary with very flat logits
/// (H near ln V ≈ 11.5) nothing changes — that is the recipe, not a bug.
///
/// Entropy is taken over the live candidates. The scale is positive, so the order of the
/// candidates (and a `sorted` list) is preserved. Nothing is allocated per step.
public struct AdaptiveTemperatureSampler: Sampler {
    /// poly(H), highest degree first (the order `jnp.polyval` takes), from the paper's listing.
    public static let coefficients: [Float] = [-0.037, 0.481, -2.3, 4.917, -1.791]
    /// Entropy (nats) at or below which β is 1: "don't overcorrect low-entropy heads".
    public static let entropyThreshold: Float = 0.5
    /// Added inside the logarithm of the entropy, as in the paper's listing.
    public static let logEpsilon: Double = 1e-9

    public init() {}

    /// The inverse temperature for a distribution of entropy `h` nats; never below 1.
    public static func beta(entropy h: Float) -> Float {
        guard h > entropyThreshold else { return 1 }
        var v: Float = 0
        for c in coefficients { v = v * h + c }  // Horner's rule
        return max(v, 1)
    }

    /// Shannon entropy (nats) of the softmax of the live candidates, −Σ p ln(p + 1e-9).
    public static func entropy(_ c: Candidates) -> Float {
        Float(c.entropy(epsilon: logEpsilon))
    }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard c.count > 1 else { return }
        let b = Self.beta(entropy: Self.entropy(c))
        guard b != 1 else { return }
        for i in 0..<c.count { c.logits[i] *= b }
    }
}
