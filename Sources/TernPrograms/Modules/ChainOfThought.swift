import TernLM

/// `Predict` with a `reasoning` output written before the others, so the model thinks first.
///
///     let solve = try ChainOfThought("question -> answer: int")
///     let p = try await solve(["question": "3 apples plus 4?"], context: ctx)   // p["reasoning"], p["answer"]
public struct ChainOfThought: Module {
    public let predict: Predict

    public init(_ signature: Signature, reasoning: Field = Field("reasoning", description: "Think it through step by step.")) {
        predict = Predict(signature.prependingOutput(reasoning))
    }

    public init(_ spec: String, instructions: String? = nil) throws {
        self.init(try Signature(spec, instructions: instructions))
    }

    public func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
        try await predict.forward(inputs, context: context)
    }
}
