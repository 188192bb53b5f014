import Foundation

/// A chat template written in Jinja, as GGUF files carry it in `tokenizer.chat_template` (the
/// Hugging Face convention): rendered with `messages`, `add_generation_prompt`, `bos_token` and
/// `eos_token`. The template is parsed once; a template that does not parse is an error at load.
///
///     let t = try JinjaTemplate("{{ bos_token }}{% for m in messages %}…{% endfor %}", bos: "<s>", eos: "</s>")
///     let prompt = try t.render([.user("Hi")], addGenerationPrompt: true)
public struct JinjaTemplate: ChatTemplate, @unchecked Sendable {  // the syntax tree is immutable
    public let source: String
    public let bosToken: String
    public let eosToken: String
    private let nodes: [JinjaNode]

    public init(_ source: String, bos: String, eos: String) throws {
        self.source = source
        bosToken = bos
        eosToken = eos
        nodes = try JinjaParser.parse(source)
    }

    public func render(_ messages: [Message], addGenerationPrompt: Bool) throws -> String {
        try render(messages, tools: nil, addGenerationPrompt: addGenerationPrompt)
    }

    /// A template that reads `tools` writes them (and calls, and results) in its own syntax.
    public var rendersTools: Bool { source.contains("tools") }

    public func render(_ messages: [Message], tools: [ToolDefinition], addGenerationPrompt: Bool) throws -> String {
        try render(messages, tools: Optional(tools), addGenerationPrompt: addGenerationPrompt)
    }

    /// Messages as Hugging Face templates read them: an assistant's calls in `tool_calls` (each
    /// `{id, type, function: {name, arguments}}`, the arguments as an object) and `tools` in
    /// OpenAI's shape.
    private func render(_ messages: [Message], tools: [ToolDefinition]?, addGenerationPrompt: Bool) throws -> String {
        let list: [JinjaValue] = messages.map { m in
            var pairs: [(String, JinjaValue)] = [("role", .string(m.role.rawValue)), ("content", .string(m.content))]
            if let n = m.name { pairs.append(("name", .string(n))) }
            if let id = m.toolCallID { pairs.append(("tool_call_id", .string(id))) }
            if let calls = m.toolCalls, !calls.isEmpty {
                pairs.append(("tool_calls", .array(calls.map { c in
                    let arguments = (try? JSONDecoder().decode(JSONValue.self, from: Data(c.arguments.utf8))) ?? .string(c.arguments)
                    return .object([("id", .string(c.id)), ("type", .string("function")),
                                    ("function", .object([("name", .string(c.name)), ("arguments", JinjaValue(arguments))]))])
                })))
            }
            return .object(pairs)
        }
        var variables: [String: JinjaValue] = [
            "messages": .array(list), "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken), "eos_token": .string(eosToken),
        ]
        if let tools {
            variables["tools"] = .array(tools.map { JinjaValue($0.openAI) })
        }
        var renderer = JinjaRenderer(variables: variables)
        return try renderer.render(nodes)
    }
}
