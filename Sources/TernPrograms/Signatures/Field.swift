import TernLM

/// The type of a signature's field: what the model is asked to write, and what its answer is
/// parsed into.
public indirect enum FieldType: Sendable, Hashable, Codable {
    case string
    case int
    case double
    case bool
    /// One of fixed strings (DSPy's `Literal["a", "b"]`).
    case choice([String])
    case list(FieldType)
    /// Any value validating against a JSON schema (a Codable type's, or one given directly).
    case json(JSONValue)

    /// The JSON schema of a value of this type.
    public var schema: JSONValue {
        switch self {
        case .string: return ["type": "string"]
        case .int: return ["type": "integer"]
        case .double: return ["type": "number"]
        case .bool: return ["type": "boolean"]
        case .choice(let options): return ["type": "string", "enum": .array(options.map { .string($0) })]
        case .list(let item): return ["type": "array", "items": item.schema]
        case .json(let schema): return schema
        }
    }

    /// How the type is named to the model and in signature strings ("int", "list[str]", …).
    public var label: String {
        switch self {
        case .string: return "str"
        case .int: return "int"
        case .double: return "float"
        case .bool: return "bool"
        case .choice(let options): return "Literal[" + options.map { "'\($0)'" }.joined(separator: ", ") + "]"
        case .list(let item): return "list[\(item.label)]"
        case .json: return "json"
        }
    }
}

/// One named input or output of a signature.
public struct Field: Sendable, Hashable, Codable {
    public var name: String
    public var type: FieldType
    /// What the field holds, told to the model.
    public var description: String

    public init(_ name: String, _ type: FieldType = .string, description: String = "") {
        self.name = name
        self.type = type
        self.description = description
    }
}
