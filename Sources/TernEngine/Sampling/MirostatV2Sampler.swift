import Foundation

/// Mirostat 2.0 (Basu, Ramachandran, Keskar and Varshney, "Mirostat: A Neural Text Decoding
/// Algorithm that Directly Controls Perplexity", ICLR 2021, arXiv 2007.14966; the simplified
/// "v2" variant from the authors' repository, as llama.cpp's `mirostat-v2` implements it).
/// A feedback loop holds the surprisal of the chosen tokens near the target `tau` (bits):
///
///  1. drop every token whose surprisal −log₂ pᵢ exceeds `mu` (keep the most likely if none survive);
///  2. renormalize over the survivors and draw one token;
///  3. update `mu ← mu − eta · (s − tau)`, with s = −log₂ of the chosen token's renormalized
///     probability (llama.cpp's convention). `mu` starts at 2·tau.
///
/// It picks the token itself, like `DistributionSampler`, so it must be the last step of a chain;
/// it carries its own seeded `Xoshiro256`, so a seed makes it reproducible. Since
/// −log₂ pᵢ ≤ mu ⇔ logitᵢ ≥ max + ln Z − mu·ln 2, the truncation is a single logit threshold:
/// no sort and no allocation per step.
public struct MirostatV2Sampler: Sampler {
    public let tau: Float
    public let eta: Float
    public private(set) var mu: Float
    public var rng: Xoshiro256

    /// llama.cpp's defaults: tau 5, eta 0.1.
    public init(tau: Float = 5, eta: Float = 0.1, seed: UInt64) {
        self.tau = tau
        self.eta = eta
        mu = 2 * tau
        rng = Xoshiro256(seed: seed)
    }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard c.count > 0 else { return }
        var m = -Float.infinity
        var best = 0
        for i in 0..<c.count where c.logits[i] > m { m = c.logits[i]; best = i }
        var z = 0.0
        for i in 0..<c.count { z += exp(Double(c.logits[i] - m)) }

        // 1. Truncate: keep logit − max ≥ ln Z − mu·ln 2 (order preserved).
        let cut = log(z) - Double(mu) * M_LN2
        var kept = 0
        for i in 0..<c.count where Double(c.logits[i] - m) >= cut {
            c.ids[kept] = c.ids[i]; c.logits[kept] = c.logits[i]; kept += 1
        }
        if kept == 0 {
            c.ids[0] = c.ids[best]; c.logits[0] = c.logits[best]; kept = 1
        }
        c.count = kept

        // 2. Draw from the renormalized survivors.
        var zKept = 0.0
        for i in 0..<kept { zKept += exp(Double(c.logits[i] - m)) }
        let target = Double(rng.nextUnitFloat()) * zKept
        var cumulative = 0.0
        var pick = kept - 1
        for i in 0..<kept {
            cumulative += exp(Double(c.logits[i] - m))
            if target < cumulative { pick = i; break }
        }

        // 3. Feedback on the observed surprisal (bits).
        let surprisal = -log2(exp(Double(c.logits[pick] - m)) / zKept)
        mu -= eta * (Float(surprisal) - tau)

        c.ids[0] = c.ids[pick]
        c.logits[0] = c.logits[pick]
        c.count = 1
        c.sorted = true
    }
}
