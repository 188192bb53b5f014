/// The final draw: picks one candidate at random, in proportion to its softmax probability.
public struct DistributionSampler: Sampler {
    public var rng: Xoshiro256
    public init(seed: UInt64) { rng = Xoshiro256(seed: seed) }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        let probs = c.probabilities()
        let u = rng.nextUnitFloat()
        var cumulative: Float = 0
        var pick = c.count - 1
        for i in 0..<c.count {
            cumulative += probs[i]
            if u < cumulative { pick = i; break }
        }
        c.ids[0] = c.ids[pick]
        c.logits[0] = c.logits[pick]
        c.count = 1
        c.sorted = true
    }
}
