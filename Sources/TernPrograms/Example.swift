import TernLM

/// A set of named values: a training or evaluation example (inputs and, optionally, labels), or
/// the inputs of a call. Which keys are inputs is decided by the signature that reads it.
///
///     let ex: Example = ["question": "What is 2 + 2?", "answer": 4]
public struct Example: Sendable, Hashable, Codable, ExpressibleByDictionaryLiteral {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) { self.values = values }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        values = Dictionary(elements, uniquingKeysWith: { $1 })
    }

    public subscript(_ key: String) -> JSONValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Only the named keys.
    public func only(_ keys: [String]) -> Example { Example(values.filter { keys.contains($0.key) }) }

    public func merging(_ other: Example) -> Example { Example(values.merging(other.values) { $1 }) }

    public init(from decoder: Decoder) throws { values = try [String: JSONValue](from: decoder) }
    public func encode(to encoder: Encoder) throws { try values.encode(to: encoder) }
}

/// What a module answered: the output fields, and the reply they were parsed from.
public struct Prediction: Sendable, Hashable {
    public var values: [String: JSONValue]
    /// The model's last reply, as text.
    public var raw: String

    public init(_ values: [String: JSONValue], raw: String = "") {
        self.values = values
        self.raw = raw
    }

    public subscript(_ key: String) -> JSONValue? { values[key] }
    /// A field as text: strings as they are, other values as JSON.
    public func text(_ key: String) -> String { values[key].map(FieldText.render) ?? "" }
}

/// How values are written into prompts: strings as they are, everything else as compact JSON.
public enum FieldText {
    public static func render(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return value.canonicalJSON
    }
}
