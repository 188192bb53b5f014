/// One turn of a chat, as the OpenAI chat API carries it.
///
///     let messages: [Message] = [.system("Answer briefly."), .user("What is 2 + 2?")]
public struct Message: Codable, Sendable, Hashable {
    public enum Role: String, Codable, Sendable, Hashable, CaseIterable {
        case system, user, assistant, tool
    }

    public var role: Role
    public var content: String
    /// For `tool` messages: the call this is the result of.
    public var toolCallID: String?
    public var name: String?
    /// For `assistant` messages: the calls it made (its `content` may then be empty).
    public var toolCalls: [ToolCall]?

    public init(role: Role, content: String, toolCallID: String? = nil, name: String? = nil, toolCalls: [ToolCall]? = nil) {
        self.role = role
        self.content = content
        self.toolCallID = toolCallID
        self.name = name
        self.toolCalls = toolCalls
    }

    /// OpenAI's shape of the message (`role`, `content`, `tool_call_id`, `name`, `tool_calls`);
    /// an assistant's calls without text have `content: null`.
    public var openAI: JSONValue {
        var o: [String: JSONValue] = ["role": .string(role.rawValue), "content": .string(content)]
        if let toolCallID { o["tool_call_id"] = .string(toolCallID) }
        if let name { o["name"] = .string(name) }
        if let calls = toolCalls, !calls.isEmpty {
            o["tool_calls"] = .array(calls.map(\.openAI))
            if content.isEmpty { o["content"] = .null }
        }
        return .object(o)
    }

    public static func system(_ text: String) -> Message { Message(role: .system, content: text) }
    public static func user(_ text: String) -> Message { Message(role: .user, content: text) }
    public static func assistant(_ text: String) -> Message { Message(role: .assistant, content: text) }
    public static func tool(_ text: String, callID: String) -> Message { Message(role: .tool, content: text, toolCallID: callID) }

    enum CodingKeys: String, CodingKey {
        case role, content, name
        case toolCallID = "tool_call_id", toolCalls = "tool_calls"
    }
}
