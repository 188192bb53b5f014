/// Turns chat messages into the exact text a model was trained to read.
public protocol ChatTemplate: Sendable {
    /// The prompt for `messages`; with `addGenerationPrompt`, ending where the assistant's answer
    /// begins. Begins with the BOS token's text when the template writes it.
    func render(_ messages: [Message], addGenerationPrompt: Bool) throws -> String

    /// Whether the template writes offered tools and calls itself (a Jinja template that reads
    /// `tools`, as Qwen 2.5's and Hermes' do); otherwise `ToolCallFormat` writes them into the messages.
    var rendersTools: Bool { get }

    /// The prompt with `tools` offered, in the template's own tool syntax.
    func render(_ messages: [Message], tools: [ToolDefinition], addGenerationPrompt: Bool) throws -> String
}

extension ChatTemplate {
    public var rendersTools: Bool { false }

    public func render(_ messages: [Message], tools: [ToolDefinition], addGenerationPrompt: Bool) throws -> String {
        try render(messages, addGenerationPrompt: addGenerationPrompt)
    }
}

/// Gemma's turn format, built in for GGUF files that carry no `tokenizer.chat_template` (the
/// default Gemma 3 270M has none). As Gemma's own template does, a system message has no turn of
/// its own: its text opens the first user turn, followed by a blank line; the assistant's role is
/// called `model`. Tool results, which Gemma has no role for, are given as user turns.
///
///     <bos><start_of_turn>user
///     Answer briefly.
///
///     What is 2 + 2?<end_of_turn>
///     <start_of_turn>model
public struct GemmaTemplate: ChatTemplate {
    public init() {}

    public func render(_ messages: [Message], addGenerationPrompt: Bool) throws -> String {
        var out = "<bos>"
        var system: String?
        for m in messages {
            switch m.role {
            case .system:
                system = (system.map { $0 + "\n\n" } ?? "") + m.content  // not trimmed, as in Gemma's template
                continue
            case .user, .tool:
                var text = m.content.trimmingWhitespace()
                if let s = system { text = s + "\n\n" + text; system = nil }  // the system text opens the turn
                out += "<start_of_turn>user\n\(text)<end_of_turn>\n"
            case .assistant:
                out += "<start_of_turn>model\n\(m.content.trimmingWhitespace())<end_of_turn>\n"
            }
        }
        if let s = system { out += "<start_of_turn>user\n\(s)<end_of_turn>\n" }  // a system message alone
        if addGenerationPrompt { out += "<start_of_turn>model\n" }
        return out
    }
}

extension String {
    /// Without leading and trailing whitespace and newlines (Jinja's `trim`, Python's `strip()`).
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
