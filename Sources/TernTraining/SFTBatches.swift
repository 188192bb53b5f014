/// Packed sequences as one training pass sees them: `starts[t]` is the first token of t's example.
public struct PackedBatch: Sendable, Equatable {
    public var tokens: [Int] = []
    public var starts: [Int] = []
    public var targets: [Int] = []
    public var targetCount: Int { targets.filter { $0 >= 0 }.count }

    public init() {}

    public mutating func append(_ e: EncodedExample) {
        let start = tokens.count
        tokens += e.tokens
        starts += Array(repeating: start, count: e.tokens.count)
        targets += e.targets
    }
}

/// One optimizer step: micro-batches whose gradients are accumulated, the loss averaged over all
/// their target tokens.
public struct TrainingStep: Sendable, Equatable {
    public var batches: [PackedBatch]
    public var targetCount: Int { batches.reduce(0) { $0 + $1.targetCount } }
    public var tokenCount: Int { batches.reduce(0) { $0 + $1.tokens.count } }
}

/// How examples become optimizer steps: examples longer than the context are cut to it (or left
/// out when nothing to learn remains), each epoch's order is a seeded shuffle, short examples are
/// packed together into micro-batches of at most `context` tokens (attention stays within each
/// example), and micro-batches are grouped into steps of about `batchTokens` tokens.
///
///     let plan = SFTPlan(examples: encoded, context: 512, batchTokens: 4096, epochs: 2, seed: 0)
///     for step in plan.steps { … }
public struct SFTPlan: Sendable {
    public let steps: [TrainingStep]
    /// Examples cut to the context, and examples left out because no target survived the cut.
    public let truncated: Int
    public let skipped: Int

    /// `maxSteps` keeps only the first steps (for a quick or benchmark run).
    public init(examples: [EncodedExample], context: Int, batchTokens: Int, epochs: Int, seed: UInt64, maxSteps: Int? = nil) {
        var kept: [EncodedExample] = [], truncated = 0, skipped = 0
        for var e in examples {
            if e.tokens.count > context {
                e.tokens.removeLast(e.tokens.count - context)
                e.targets.removeLast(e.targets.count - context)
                e.targets[context - 1] = -1  // its target lay beyond the cut
                truncated += 1
            }
            if e.targetCount == 0 { skipped += 1; continue }
            kept.append(e)
        }
        var steps: [TrainingStep] = []
        for epoch in 0..<max(1, epochs) {
            var rng = SplitMix64(seed &+ UInt64(epoch) &* 0x2545_F491_4F6C_DD1D)
            var batches: [PackedBatch] = [], current = PackedBatch()
            for e in kept.shuffled(using: &rng) {
                if current.tokens.count + e.tokens.count > context, !current.tokens.isEmpty {
                    batches.append(current)
                    current = PackedBatch()
                }
                current.append(e)
            }
            if !current.tokens.isEmpty { batches.append(current) }
            var step = TrainingStep(batches: [])
            for b in batches {
                step.batches.append(b)
                if step.tokenCount >= batchTokens { steps.append(step); step = TrainingStep(batches: []) }
            }
            if !step.batches.isEmpty { steps.append(step) }
        }
        self.steps = maxSteps.map { Array(steps.prefix(max(0, $0))) } ?? steps
        self.truncated = truncated
        self.skipped = skipped
    }
}
