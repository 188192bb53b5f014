import Foundation

/// How tools and calls are written for a model whose chat template has no tool syntax of its own
/// (the Hermes format, which Qwen 2.5's and many fine-tunes' templates also use): the functions
/// as JSON lines in `<tools>` tags at the start of the system text, each call the model makes as
///
///     <tool_call>
///     {"name": "get_weather", "arguments": {"city": "Paris"}}
///     </tool_call>
///
/// one block per call, and each result given back in `<tool_response>` tags in a user turn.
public enum ToolCallFormat {
    public static let open = "<tool_call>\n"
    public static let close = "\n</tool_call>"

    /// The system text that offers the tools.
    public static func instructions(tools: [ToolDefinition], choice: ToolChoice) -> String {
        let lines = tools.map(\.openAI.canonicalJSON)
        var text = "You can call functions. They are given here, one JSON object per line:\n<tools>\n"
            + lines.joined(separator: "\n") + "\n</tools>\n"
            + "To call a function, answer with its name and arguments in these tags, one block per call:\n"
            + "<tool_call>\n{\"name\": \"function name\", \"arguments\": {\"argument\": \"value\"}}\n</tool_call>"
        switch choice {
        case .auto: text += "\nIf no function fits the request, answer in plain text."
        case .none: text += "\nDo not call a function now: answer in plain text."
        case .required: text += "\nCall at least one function."
        case .function(let name): text += "\nCall the function \(name)."
        }
        return text
    }

    /// The conversation as the model reads it: the tools' instructions open the system text, an
    /// assistant's earlier calls are written as blocks, and tool results are wrapped in tags.
    public static func messages(_ messages: [Message], tools: [ToolDefinition], choice: ToolChoice) -> [Message] {
        var out: [Message] = []
        let offer = instructions(tools: tools, choice: choice)
        if let first = messages.first, first.role == .system {
            out.append(.system(offer + "\n\n" + first.content))
        } else {
            out.append(.system(offer))
        }
        for m in messages.dropFirst(messages.first?.role == .system ? 1 : 0) {
            switch m.role {
            case .assistant where !(m.toolCalls ?? []).isEmpty:
                let blocks = m.toolCalls!.map { open + callJSON(name: $0.name, arguments: $0.arguments) + close }
                let text = ([m.content].filter { !$0.isEmpty } + blocks).joined(separator: "\n")
                out.append(.assistant(text))
            case .tool:
                out.append(Message(role: .tool, content: "<tool_response>\n\(m.content)\n</tool_response>", toolCallID: m.toolCallID))
            default:
                out.append(m)
            }
        }
        return out
    }

    /// A call as the model writes it.
    static func callJSON(name: String, arguments: String) -> String {
        "{\"name\": " + JSONValue.string(name).canonicalJSON + ", \"arguments\": " + arguments + "}"
    }

    /// The text before the first call, and the calls (name and arguments as JSON text), of an
    /// output; an unfinished or malformed block stays text.
    public static func parse(_ text: String) -> (content: String, calls: [(name: String, arguments: String)]) {
        var calls: [(name: String, arguments: String)] = []
        var rest = Substring(text), content = ""
        let tag = "<tool_call>", end = "</tool_call>"
        while let start = rest.range(of: tag) {
            // The block ends at the first closing tag after which it parses: an argument string
            // may itself contain "</tool_call>".
            var found: (call: (name: String, arguments: String), end: Substring.Index)?
            var from = start.upperBound
            while found == nil, let stop = rest[from...].range(of: end) {
                if let call = Self.call(rest[start.upperBound..<stop.lowerBound]) { found = (call, stop.upperBound) }
                from = stop.upperBound
            }
            guard let (call, next) = found else { break }
            if calls.isEmpty { content = String(rest[..<start.lowerBound]) }
            calls.append(call)
            rest = rest[next...]
        }
        if calls.isEmpty { return (text, []) }
        return (content.trimmingWhitespace(), calls)
    }

    /// `{"name": …, "arguments": {…}}`, with the arguments' text kept as written.
    static func call(_ block: Substring) -> (name: String, arguments: String)? {
        let body = String(block).trimmingWhitespace()
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)),
              let name = value["name"]?.string, let arguments = value["arguments"], arguments.object != nil else { return nil }
        // Written by the grammar, the arguments come last: keep their text (and key order).
        if let key = body.range(of: "\"arguments\""), body.hasSuffix("}") {
            var raw = String(body[key.upperBound..<body.index(before: body.endIndex)]).trimmingWhitespace()
            if raw.hasPrefix(":") {
                raw = String(raw.dropFirst()).trimmingWhitespace()
                if let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(raw.utf8)), parsed == arguments {
                    return (name, raw)
                }
            }
        }
        return (name, arguments.canonicalJSON)
    }
}

/// Splits streamed text into text and whole calls as they complete: text that may still become a
/// call (`<tool_c…`) is held back until it is clear.
///
///     var s = ToolCallStream()
///     for piece in pieces { for event in s.feed(piece) { … } }
///     for event in s.finish() { … }
public struct ToolCallStream: Sendable {
    public enum Event: Sendable, Equatable {
        case text(String)
        case call(name: String, arguments: String)
    }

    private static let tag = "<tool_call>"
    private var buffer = ""
    private var calling = false
    /// Calls already sent: a repeated one is dropped, as `Choice.readToolCalls` drops it.
    private var sent = Set<String>()

    public init() {}

    public mutating func feed(_ piece: String) -> [Event] {
        buffer += piece
        var events: [Event] = []
        if !calling {
            if let start = buffer.range(of: Self.tag) {
                let before = String(buffer[..<start.lowerBound])
                if !before.trimmingWhitespace().isEmpty { events.append(.text(before)) }
                buffer = String(buffer[start.lowerBound...])
                calling = true
            } else {
                // Hold back the longest end of the text that could begin the tag.
                let keep = (1..<Self.tag.count).reversed().first { buffer.hasSuffix(Self.tag.prefix($0)) } ?? 0
                let text = String(buffer.dropLast(keep))
                buffer = String(buffer.suffix(keep))
                return text.isEmpty ? [] : [.text(text)]
            }
        }
        // A block ends at the first closing tag after which it parses (an argument string may
        // hold the tag); until one does, it waits for more (`finish` gives it back as text).
        var from = buffer.startIndex
        while let stop = buffer[from...].range(of: "</tool_call>") {
            let block = String(buffer[..<stop.upperBound])
            guard let c = ToolCallFormat.parse(block).calls.first else { from = stop.upperBound; continue }
            buffer = String(buffer[stop.upperBound...])
            from = buffer.startIndex
            if sent.insert(c.name + "\u{0}" + c.arguments).inserted { events.append(.call(name: c.name, arguments: c.arguments)) }
        }
        return events
    }

    /// What is left at the end: held-back text, or an unfinished call as text.
    public mutating func finish() -> [Event] {
        defer { buffer = "" }
        let rest = calling ? buffer.trimmingWhitespace() : buffer
        return rest.isEmpty ? [] : [.text(rest)]
    }
}
