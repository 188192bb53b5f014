/// Nucleus sampling: keeps the smallest set of most likely tokens whose probabilities sum to ≥ p.
public struct TopPSampler: Sampler {
    public let p: Float
    public init(_ p: Float) { self.p = p }
    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard p < 1, c.count > 1 else { return }
        c.sort()
        let probs = c.probabilities()
        var cumulative: Float = 0
        for i in 0..<c.count {
            cumulative += probs[i]
            if cumulative >= p { c.truncate(i + 1); return }
        }
    }
}
