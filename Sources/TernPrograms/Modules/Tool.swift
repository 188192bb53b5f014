import Foundation
import TernLM

/// A Swift function an agent may call, with its arguments described by a JSON schema
/// (Gorilla-style API calling: the model writes the call as JSON, the schema checks it).
///
///     struct Add: Codable { var a: Double; var b: Double }
///     let add = try Tool.typed("add", description: "Adds two numbers.") { (x: Add) in "\(x.a + x.b)" }
public struct Tool: Sendable {
    public let name: String
    public let description: String
    /// JSON schema of the arguments object.
    public let parameters: JSONValue
    let run: @Sendable ([String: JSONValue]) async throws -> String

    public init(name: String, description: String, parameters: JSONValue,
                run: @escaping @Sendable ([String: JSONValue]) async throws -> String) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.run = run
    }

    /// The tool as a function offered to a model in a request (`GenerationParameters.tools`).
    public var definition: ToolDefinition { ToolDefinition(name: name, description: description, parameters: parameters) }

    /// A tool whose arguments decode into `A`; the schema is read off `A`.
    public static func typed<A: Decodable & Sendable>(_ name: String, description: String,
                                                      _ body: @escaping @Sendable (A) async throws -> String) throws -> Tool {
        Tool(name: name, description: description, parameters: try CodableSchema.schema(for: A.self)) { args in
            let data = try JSONEncoder().encode(JSONValue.object(args))
            return try await body(try JSONDecoder().decode(A.self, from: data))
        }
    }

    /// Runs the tool after checking `arguments` against its schema; a bad call throws `ProgramError.tool`.
    public func call(_ arguments: JSONValue) async throws -> String {
        let args = SchemaCoercion.coerced(arguments, to: parameters)
        guard let object = args.object else { throw ProgramError.tool("\(name) takes a JSON object of arguments, got \(args.kind)") }
        if let v = SchemaValidator(schema: parameters).validate(args).first { throw ProgramError.tool("\(name): \(v)") }
        return try await run(object)
    }

    /// One line for the model: name, what it does, its arguments' schema.
    var summary: String { "`\(name)`: \(description) Arguments: \(parameters.canonicalJSON)" }
}
