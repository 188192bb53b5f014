import Foundation
import TernLM

/// A signature declared with Swift types: Codable input and output structs, a description per
/// field, and instructions. Field names, order and types are read off the types themselves.
///
///     enum Sentiment: String, Codable, CaseIterable, SchemaEnum { case positive, negative }
///     struct Classify: TypedSignature {
///         struct Input: Codable, Sendable { var review: String }
///         struct Output: Codable, Sendable { var sentiment: Sentiment }
///         static let instructions = "Classify the review's sentiment."
///         static let descriptions = ["review": "a product review"]
///     }
///     let classify = try TypedPredict<Classify>()
///     let out = try await classify(.init(review: "Great!"), context: ctx)   // out.sentiment == .positive
public protocol TypedSignature {
    associatedtype Input: Codable & Sendable
    associatedtype Output: Codable & Sendable
    static var instructions: String { get }
    /// What each field holds, by field name.
    static var descriptions: [String: String] { get }
}

extension TypedSignature {
    public static var descriptions: [String: String] { [:] }

    /// The equivalent string-free `Signature`.
    public static func signature() throws -> Signature {
        Signature(inputs: try fields(Input.self), outputs: try fields(Output.self), instructions: instructions)
    }

    private static func fields(_ type: any Decodable.Type) throws -> [Field] {
        let schema = try CodableSchema.schema(for: type)
        guard let order = schema["propertyOrdering"]?.array, let properties = schema["properties"]?.object else {
            throw ProgramError.invalidSignature("\(type) must be a struct with named properties")
        }
        return order.compactMap(\.string).map { name in
            Field(name, FieldType(schema: properties[name] ?? [:]), description: descriptions[name] ?? "")
        }
    }
}

extension FieldType {
    /// The simplest field type for a schema: scalars and string enums by name, anything else as JSON.
    init(schema: JSONValue) {
        switch schema["type"]?.string {
        case "string":
            if let options = schema["enum"]?.array?.compactMap(\.string), !options.isEmpty { self = .choice(options) } else { self = .string }
        case "integer": self = .int
        case "number": self = .double
        case "boolean": self = .bool
        case "array":
            let item = FieldType(schema: schema["items"] ?? [:])
            if case .json = item { self = .json(schema) } else { self = .list(item) }
        default: self = .json(schema)
        }
    }
}

/// `Predict` for a `TypedSignature`: Swift values in, Swift values out.
public struct TypedPredict<S: TypedSignature>: Module {
    public let predict: Predict

    public init() throws { predict = Predict(try S.signature()) }

    public func callAsFunction(_ input: S.Input, context: ProgramContext) async throws -> S.Output {
        let p = try await predict.forward(Example(try JSONValue.from(input).object ?? [:]), context: context)
        return try JSONValue.object(p.values).decoded(as: S.Output.self)
    }

    public func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
        try await predict.forward(inputs, context: context)
    }
}

extension JSONValue {
    /// Any Encodable value as JSON.
    static func from<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// This value decoded into a Decodable type.
    func decoded<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }
}
