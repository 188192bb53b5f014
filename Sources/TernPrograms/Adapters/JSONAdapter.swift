import Foundation
import TernLM

/// Outputs as one JSON object. When the backend can enforce a schema, the object's schema goes in
/// `response_format` (on the local engine: constrained decoding, so the reply always parses);
/// otherwise the defensive parser recovers the object from the reply.
///
///     let adapter = JSONAdapter()
///     let format = adapter.responseFormat(signature, for: model)   // .jsonSchema(...) when supported
public struct JSONAdapter: Adapter {
    public var name: String { "json" }
    public init() {}

    public func messages(_ signature: Signature, demos: [Example], inputs: Example) -> [Message] {
        var m: [Message] = [.system(system(signature))]
        for demo in demos {
            m.append(.user(userTurn(signature, demo)))
            m.append(.assistant(Self.object(signature.outputs, demo)))
        }
        m.append(.user(userTurn(signature, inputs)))
        return m
    }

    public func responseFormat(_ signature: Signature, for model: any LanguageModel) -> ResponseFormat? {
        model.capabilities.contains(.jsonSchema) ? .jsonSchema(name: "outputs", schema: Self.schema(signature.outputs)) : nil
    }

    public func parse(_ signature: Signature, reply: String) throws -> ParsedReply {
        let value: JSONValue, repaired: Bool
        do { (value, repaired) = try LenientJSON.parseNotingRepairs(reply) } catch {
            throw OutputParseError("the reply is not a JSON object: \(error)", raw: reply)
        }
        guard let object = value.object else {
            throw OutputParseError("the reply is a JSON \(value.kind), not an object", raw: reply)
        }
        return try Self.fields(signature, object, repaired: repaired, raw: reply)
    }

    /// The signature's output values from a parsed object, each coerced and validated.
    static func fields(_ signature: Signature, _ object: [String: JSONValue], repaired: Bool, raw: String) throws -> ParsedReply {
        var values: [String: JSONValue] = [:]
        var anyRepaired = repaired
        for f in signature.outputs {
            guard let v = object[f.name] else { throw OutputParseError("the reply has no key \"\(f.name)\"", raw: raw) }
            do {
                let (c, r) = try f.type.checked(v, repaired: false, raw: raw)
                values[f.name] = c
                anyRepaired = anyRepaired || r
            } catch let e as OutputParseError {
                throw OutputParseError("\"\(f.name)\": \(e.message)", raw: raw)
            }
        }
        return ParsedReply(values: values, repaired: anyRepaired)
    }

    /// The JSON schema of an object holding `fields`, in order.
    public static func schema(_ fields: [Field]) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for f in fields { properties[f.name] = f.type.schema }
        let names = JSONValue.array(fields.map { .string($0.name) })
        return ["type": "object", "properties": .object(properties), "required": names,
                "propertyOrdering": names, "additionalProperties": false]
    }

    /// `{"a": …, "b": …}` with keys in field order (JSONValue's own encoding sorts them).
    static func object(_ fields: [Field], _ values: Example) -> String {
        "{" + fields.map { "\"\($0.name)\": " + (values[$0.name] ?? .null).canonicalJSON }.joined(separator: ", ") + "}"
    }

    func system(_ s: Signature) -> String {
        ["Your input fields are:", describe(s.inputs), "Your output fields are:", describe(s.outputs),
         "Reply with one JSON object whose keys are the output fields: " + s.outputs.map { "\"\($0.name)\"" }.joined(separator: ", ") + ".",
         "Your task: \(s.instructions)"].joined(separator: "\n")
    }

    func userTurn(_ s: Signature, _ values: Example) -> String {
        (s.inputs.map { "[[ ## \($0.name) ## ]]\n" + (values[$0.name].map(FieldText.render) ?? "") }
            + ["Reply with a JSON object with the keys " + s.outputs.map { "\"\($0.name)\"" }.joined(separator: ", ") + "."])
            .joined(separator: "\n\n")
    }
}

extension JSONValue {
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
