import Foundation

/// Entropy-based dynamic temperature ("dynatemp", llama.cpp's `temp-ext` sampler, after
/// kalomaze's proposal): the temperature moves within [t − range, t + range] with the normalized
/// entropy of the live candidates, so a confident distribution is sharpened and a flat one flattened:
///
///     Ĥ = H / ln n                     H = −Σ p ln p over the n live candidates, Ĥ ∈ [0, 1]
///     T = max(0, t − range) + (t + range − max(0, t − range)) · Ĥ^exponent
///
/// A range of 0 is plain temperature (same as `TemperatureSampler`). If the dynamic temperature
/// comes out ≤ 0 (t ≤ range on a one-hot distribution), only the most likely candidate is kept,
/// as llama.cpp does for a temperature of 0. Place it where `TemperatureSampler` goes.
public struct DynamicTemperatureSampler: Sampler {
    public let temperature: Float
    public let range: Float
    public let exponent: Float
    /// The temperature chosen at the last step (for logging and tests).
    public private(set) var lastTemperature: Float

    public init(temperature: Float, range: Float = 0, exponent: Float = 1) {
        self.temperature = temperature
        self.range = range
        self.exponent = exponent
        lastTemperature = temperature
    }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard range > 0 else {
            lastTemperature = temperature
            guard temperature > 0, temperature != 1 else { return }
            for i in 0..<c.count { c.logits[i] /= temperature }
            return
        }
        guard c.count > 1 else { return }
        let lo = max(0, temperature - range), hi = temperature + range

        let h = c.entropy()
        let normalized = min(max(h / log(Double(c.count)), 0), 1)
        let t = lo + (hi - lo) * Float(pow(normalized, Double(exponent)))
        lastTemperature = t

        if t <= 0 {
            var best = 0
            for i in 1..<c.count where c.logits[i] > c.logits[best] { best = i }
            c.ids[0] = c.ids[best]
            c.logits[0] = c.logits[best]
            c.count = 1
            c.sorted = true
            return
        }
        for i in 0..<c.count { c.logits[i] /= t }
    }
}
