/// Picks the single most likely token: the argmax of the logits (lowest id on ties, as llama.cpp).
public struct GreedySampler: Sampler {
    public init() {}
    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        var best = 0
        for i in 1..<max(c.count, 1) where c.logits[i] > c.logits[best] { best = i }
        c.ids[0] = c.ids[best]
        c.logits[0] = c.logits[best]
        c.count = 1
        c.sorted = true
    }
}
