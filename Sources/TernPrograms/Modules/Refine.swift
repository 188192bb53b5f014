import TernLM

/// Like `BestOfN`, but after an attempt falls short the model is asked for advice, and the next
/// attempt sees that advice as a `hint` input (DSPy's Refine).
///
///     let refined = Refine(solve, n: 3, threshold: 1) { _, p in p["answer"] == 42 ? 1 : 0 }
public struct Refine: Module {
    public let module: any Module
    public let n: Int
    public let threshold: Double
    public let temperature: Double
    public let reward: Reward
    public let advise: Predict

    public init(_ module: any Module, n: Int, threshold: Double, temperature: Double = 1.0, reward: @escaping Reward) {
        self.module = module
        self.n = max(1, n)
        self.threshold = threshold
        self.temperature = temperature
        self.reward = reward
        advise = Predict(Signature(
            inputs: [Field("inputs", description: "what the program was given"),
                     Field("outputs", description: "what it answered"),
                     Field("reward", .double, description: "how good the answer was"),
                     Field("threshold", .double, description: "the reward an answer needs")],
            outputs: [Field("advice", description: "What to do differently next time, in one or two sentences.")],
            instructions: "An answer fell short of the needed reward. Say what the next attempt should do differently."))
    }

    public func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
        try await context.span("refine", ["n": .number(Double(n))]) {
            var best: (Prediction, Double)?
            var hint: String?
            for i in 0..<n {
                var attempt = context.with(temperature: i == 0 ? context.parameters.temperature ?? 0 : temperature, rollout: "refine-\(i)")
                attempt.hint = hint
                let p = try await module.forward(inputs, context: attempt)
                let r = try await reward(inputs, p)
                if best == nil || r > best!.1 { best = (p, r) }
                if r >= threshold { context.annotate(["chosen": .number(Double(i)), "reward": .number(r)]); return p }
                if i + 1 < n {
                    let advice = try await advise.forward([
                        "inputs": .string(JSONValue.object(inputs.values).canonicalJSON),
                        "outputs": .string(JSONValue.object(p.values).canonicalJSON),
                        "reward": .number(r), "threshold": .number(threshold),
                    ], context: context)
                    hint = advice.text("advice")
                }
            }
            context.annotate(["chosen": "best", "reward": .number(best!.1)])
            return best!.0
        }
    }
}
