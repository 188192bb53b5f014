/// Keeps the k most likely tokens (k ≤ 0 keeps all).
public struct TopKSampler: Sampler {
    public let k: Int
    public init(_ k: Int) { self.k = k }
    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard k > 0, k < c.count else { return }
        c.keepTop(k)
    }
}
