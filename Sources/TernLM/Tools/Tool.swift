/// A function offered to the model (OpenAI's `tools[].function`): its name, what it does, and a JSON
/// schema of its arguments.
///
///     let weather = ToolDefinition(name: "get_weather", description: "Current weather in a city",
///                        parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])
public struct ToolDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    /// The arguments' JSON schema (an object schema).
    public var parameters: JSONValue

    public init(name: String, description: String? = nil, parameters: JSONValue = ["type": "object", "properties": [:]]) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// OpenAI's `tools[]` entry: `{"type": "function", "function": {name, description, parameters}}`.
    public var openAI: JSONValue {
        var f: [String: JSONValue] = ["name": .string(name), "parameters": parameters]
        if let description { f["description"] = .string(description) }
        return ["type": "function", "function": .object(f)]
    }
}

/// Whether and which function the model must call (OpenAI's `tool_choice`).
public enum ToolChoice: Sendable, Hashable, Codable {
    /// The model decides between answering and calling.
    case auto
    /// The model answers in text; the tools stay described in the prompt.
    case none
    /// The model calls one or more of the tools.
    case required
    /// The model calls this function.
    case function(String)
}

/// A call the model made: its id (answered by a `tool` message with that id), the function's name,
/// and the arguments as JSON text (OpenAI's `tool_calls[]`).
public struct ToolCall: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// JSON text of an object that validates against the function's schema.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// A fresh id in OpenAI's shape (`call_` and 24 letters and digits).
    public static func newID<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return "call_" + String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// OpenAI's `tool_calls[]` entry: `{"id", "type": "function", "function": {name, arguments}}`.
    public var openAI: JSONValue {
        ["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]
    }

    public static func newID() -> String {
        var g = SystemRandomNumberGenerator()
        return newID(using: &g)
    }
}
