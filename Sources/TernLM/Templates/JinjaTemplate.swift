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
        let list: [JinjaValue] = messages.map { m in
            var pairs: [(String, JinjaValue)] = [("role", .string(m.role.rawValue)), ("content", .string(m.content))]
            if let n = m.name { pairs.append(("name", .string(n))) }
            if let id = m.toolCallID { pairs.append(("tool_call_id", .string(id))) }
            return .object(pairs)
        }
        var renderer = JinjaRenderer(variables: [
            "messages": .array(list), "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken), "eos_token": .string(eosToken),
        ])
        return try renderer.render(nodes)
    }
}
