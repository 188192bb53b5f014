/// Divides logits by the temperature: below 1 sharpens the distribution, above 1 flattens it.
public struct TemperatureSampler: Sampler {
    public let temperature: Float
    public init(_ temperature: Float) { self.temperature = temperature }
    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard temperature > 0, temperature != 1 else { return }
        for i in 0..<c.count { c.logits[i] /= temperature }
    }
}
