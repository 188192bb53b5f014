import TernLM

/// Samples `m` chains of thought, then asks the model to compare them and give one corrected
/// answer with its rationale (after DSPy's MultiChainComparison).
///
///     let mcc = try MultiChainComparison(Signature("question -> answer"), m: 3)
public struct MultiChainComparison: Module {
    public let m: Int
    public let temperature: Double
    public let chain: ChainOfThought
    public let compare: Predict
    let signature: Signature

    public init(_ signature: Signature, m: Int = 3, temperature: Double = 0.7) {
        self.signature = signature
        self.m = max(1, m)
        self.temperature = temperature
        chain = ChainOfThought(signature)
        var attempts = signature
        for i in 1...self.m {
            attempts = attempts.appendingInput(Field("attempt_\(i)", description: "an earlier student attempt"))
        }
        compare = Predict(attempts
            .prependingOutput(Field("rationale", description: "Compare the attempts: which reasoning holds up, and why."))
            .withInstructions(signature.instructions + " Several attempts are given; compare them, then give the best answer."))
    }

    public func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
        var extended = inputs
        for i in 1...m {
            let p = try await chain.forward(inputs, context: context.with(temperature: temperature, rollout: "mcc-\(i)"))
            let answer = signature.outputs.map { "\($0.name): \(p.text($0.name))" }.joined(separator: "; ")
            extended["attempt_\(i)"] = .string("Reasoning: \(p.text("reasoning")) Prediction: \(answer)")
        }
        return try await compare.forward(extended, context: context)
    }
}
