/// Repetition, presence and frequency penalties over the last `lastN` tokens, as llama.cpp applies
/// them: a repeated token's logit is divided by `repeat` when positive and multiplied when negative,
/// then lowered by `frequency × count + presence`.
public struct PenaltySampler: Sampler {
    public let lastN: Int
    public let repetition: Float
    public let frequency: Float
    public let presence: Float
    private var counts: [Int: Int] = [:]

    public init(lastN: Int = 64, repetition: Float = 1, frequency: Float = 0, presence: Float = 0) {
        self.lastN = lastN
        self.repetition = repetition
        self.frequency = frequency
        self.presence = presence
    }

    public var isActive: Bool { lastN != 0 && (repetition != 1 || frequency != 0 || presence != 0) }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard isActive else { return }
        counts.removeAll(keepingCapacity: true)
        let window = lastN < 0 ? history : history.suffix(lastN)
        for t in window { counts[t, default: 0] += 1 }
        guard !counts.isEmpty else { return }
        for i in 0..<c.count {
            guard let n = counts[c.ids[i]] else { continue }
            var l = c.logits[i]
            l = l <= 0 ? l * repetition : l / repetition
            l -= Float(n) * frequency + presence
            c.logits[i] = l
        }
        c.sorted = false
    }
}
