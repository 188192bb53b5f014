import TernLM

/// Gives every predictor `k` labeled training examples as demos (a seeded sample). No LM calls.
///
///     try await LabeledFewShot(k: 8).compile(program, trainset: train, context: ctx)
public struct LabeledFewShot: Optimizer {
    public var name: String { "LabeledFewShot(k: \(k))" }
    public let k: Int
    public let seed: UInt64
    public var budget: Budget { .unlimited }

    public init(k: Int = 16, seed: UInt64 = 0) {
        self.k = k
        self.seed = seed
    }

    public func estimate(_ program: any Module, trainset: [Example], context: ProgramContext) -> CostEstimate {
        CostEstimate(calls: 0, tokens: 0)
    }

    public func run(_ program: any Module, trainset: [Example], context: ProgramContext) async throws -> String {
        var rng = SeededGenerator(seed: seed)
        let demos = Array(trainset.shuffled(using: &rng).prefix(k))
        for (_, p) in program.namedPredictors { p.demos = demos }
        return "\(demos.count) labeled demos per predictor"
    }
}
