import Foundation
import TernLM

/// The tunable part of a predictor: what optimizers change and compiled programs save.
public struct PredictorState: Sendable, Hashable, Codable {
    public var instructions: String
    public var demos: [Example]
    public init(instructions: String, demos: [Example]) {
        self.instructions = instructions
        self.demos = demos
    }
}

/// One LM call for a signature: the adapter renders the signature, its demos and the inputs; the
/// reply is parsed into the output fields, re-asking when it does not parse.
///
///     let classify = try Predict("text -> label: Literal['positive', 'negative']")
///     let p = try await classify(["text": "I loved it"], context: ctx)   // p["label"] == "positive"
public final class Predict: Module, @unchecked Sendable {  // `signature` and `demos` guarded by `lock`
    private let lock = NSLock()
    private var _signature: Signature
    private var _demos: [Example]

    public init(_ signature: Signature, demos: [Example] = []) {
        _signature = signature
        _demos = demos
    }

    public convenience init(_ spec: String, instructions: String? = nil) throws {
        self.init(try Signature(spec, instructions: instructions))
    }

    public var signature: Signature {
        get { lock.withLock { _signature } }
        set { lock.withLock { _signature = newValue } }
    }

    public var demos: [Example] {
        get { lock.withLock { _demos } }
        set { lock.withLock { _demos = newValue } }
    }

    public var state: PredictorState {
        get { lock.withLock { PredictorState(instructions: _signature.instructions, demos: _demos) } }
        set { lock.withLock { _signature.instructions = newValue.instructions; _demos = newValue.demos } }
    }

    public func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
        var (signature, demos) = lock.withLock { (_signature, _demos) }
        let given = inputs
        var inputs = inputs
        if let hint = context.hint {
            signature = signature.appendingInput(Field("hint", description: "advice for this attempt, from an earlier one"))
            inputs["hint"] = .string(hint)
            demos = demos.map { var d = $0; d["hint"] = d["hint"] ?? "none"; return d }
        }
        for f in signature.inputs where inputs[f.name] == nil { throw ProgramError.missingInput(f.name) }
        let adapter = context.adapter
        var parameters = context.parameters
        parameters.n = 1
        parameters.responseFormat = adapter.responseFormat(signature, for: context.lm)
        let messages = adapter.messages(signature, demos: demos, inputs: inputs)
        let attributes: [String: JSONValue] = ["adapter": .string(adapter.name), "outputs": .array(signature.outputs.map { .string($0.name) })]
        let (values, raw) = try await context.span("predict", attributes) {
            try await generateParsed(messages, parameters: parameters, context: context,
                                     reask: { adapter.reask($0, signature: signature) }) { reply in
                let parsed = try adapter.parse(signature, reply: reply)
                return (parsed.values, parsed.repaired)
            }
        }
        context.recorder?.add(.init(predictor: ObjectIdentifier(self), example: given.merging(Example(values))))
        return Prediction(values, raw: raw)
    }
}
