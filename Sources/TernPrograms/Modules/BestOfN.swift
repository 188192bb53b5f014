import TernLM

/// How good a prediction is for its inputs, for `BestOfN` and `Refine` (higher is better).
public typealias Reward = @Sendable (Example, Prediction) async throws -> Double

/// Runs a module up to `n` times at a sampling temperature and keeps the first prediction whose
/// reward reaches `threshold`, or else the best one (DSPy's BestOfN).
///
///     let best = BestOfN(solve, n: 4, threshold: 1) { _, p in p["answer"] == 42 ? 1 : 0 }
public struct BestOfN: Module {
    public let module: any Module
    public let n: Int
    public let threshold: Double
    public let temperature: Double
    public let reward: Reward

    public init(_ module: any Module, n: Int, threshold: Double, temperature: Double = 1.0, reward: @escaping Reward) {
        self.module = module
        self.n = max(1, n)
        self.threshold = threshold
        self.temperature = temperature
        self.reward = reward
    }

    public func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
        try await context.span("best_of_n", ["n": .number(Double(n))]) {
            var best: (Prediction, Double)?
            var lastError: Error?
            for i in 0..<n {
                do {
                    let p = try await module.forward(inputs, context: context.with(temperature: temperature, rollout: "best-of-n-\(i)"))
                    let r = try await reward(inputs, p)
                    if best == nil || r > best!.1 { best = (p, r) }
                    if r >= threshold { context.annotate(["chosen": .number(Double(i)), "reward": .number(r)]); return p }
                } catch let e as StructuredOutputError {
                    lastError = e
                }
            }
            guard let best else { throw lastError ?? ProgramError.overBudget("no attempt succeeded") }
            context.annotate(["chosen": "best", "reward": .number(best.1)])
            return best.0
        }
    }
}
