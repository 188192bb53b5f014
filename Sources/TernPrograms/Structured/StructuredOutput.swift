import Foundation
import TernLM

/// A value of a Codable type, or one validating against a JSON schema, from a chat — in three
/// layers: the backend's `response_format` (constrained decoding on the local engine), then the
/// defensive parser with coercion and validation, then re-asking with the error quoted. The span
/// records which layer produced the value.
///
///     struct Person: Codable { var name: String; var age: Int }
///     let person = try await StructuredOutput.generate(Person.self, [.user("Invent a person.")], context: ctx)
public enum StructuredOutput {
    public static func generate<T: Codable & Sendable>(_ type: T.Type, _ messages: [Message],
                                                       context: ProgramContext) async throws -> T {
        let value = try await generate(schema: try CodableSchema.schema(for: T.self), name: "\(T.self)", messages, context: context)
        return try value.decoded(as: T.self)
    }

    public static func generate(schema: JSONValue, name: String = "output", _ messages: [Message],
                                context: ProgramContext) async throws -> JSONValue {
        var parameters = context.parameters
        parameters.n = 1
        if context.lm.capabilities.contains(.jsonSchema) { parameters.responseFormat = .jsonSchema(name: name, schema: schema) }
        let validator = SchemaValidator(schema: schema)
        return try await context.span("structured_output", ["schema": .string(name)]) {
            try await generateParsed(messages, parameters: parameters, context: context, reask: reask) { reply in
                try parse(reply, schema: schema, validator: validator)
            }.0
        }
    }

    /// Layer 2 alone: the value in `reply`, repaired, coerced to `schema` and validated.
    public static func parse(_ reply: String, schema: JSONValue, validator: SchemaValidator? = nil) throws -> (JSONValue, repaired: Bool) {
        var value: JSONValue, repaired: Bool
        do { (value, repaired) = try LenientJSON.parseNotingRepairs(reply) } catch { throw OutputParseError("\(error)", raw: reply) }
        let coerced = SchemaCoercion.coerced(value, to: schema)
        if coerced != value { repaired = true; value = coerced }
        if let v = (validator ?? SchemaValidator(schema: schema)).validate(value).first {
            throw OutputParseError("the value does not match the schema: \(v.brief)", raw: reply)
        }
        return (value, repaired)
    }

    static func reask(_ error: OutputParseError) -> Message {
        .user("Your reply could not be used: \(error.message)\nReply again with only the corrected JSON value.")
    }
}
