import Foundation
import TernLM
import TernTokenizers

/// One supervised example: a conversation (OpenAI's fine-tuning shape, loss on the assistant's
/// turns) or a prompt and its completion (loss on the completion).
public enum SFTExample: Sendable, Equatable {
    case chat([Message])
    case completion(prompt: String, completion: String)
}

/// Why training data or a run could not be used; one line, ready to show.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads SFT data from JSONL, one example a line:
///
///     {"messages": [{"role": "system", "content": "…"}, {"role": "user", …}, {"role": "assistant", …}]}
///     {"prompt": "The capital of France is", "completion": " Paris."}
///     {"messages": [{"role": "user", …}, {"role": "assistant", "tool_calls": [{"id": …, "type": "function",
///                   "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}],
///      "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {…}}}]}
///
/// With `tools`, the conversation is written as the engine shows it to a model it offers them to
/// (`ToolCallFormat`, tool choice auto), so the adapter learns the format it is served with.
/// Blank lines are skipped; anything else that is not one of the two shapes is an error naming
/// the file and line.
public enum SFTData {
    public static func read(_ path: String) throws -> [SFTExample] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError("cannot read \(path): check the path")
        }
        var examples: [SFTExample] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            do {
                examples.append(try parse(text))
            } catch let error as TrainingError {
                throw TrainingError("\(path):\(i + 1): \(error.description)")
            }
        }
        guard !examples.isEmpty else { throw TrainingError("\(path) has no examples: write one JSON object per line") }
        return examples
    }

    /// One line's example.
    public static func parse(_ line: String) throws -> SFTExample {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw TrainingError("not a JSON object")
        }
        if let messages = object["messages"] {
            guard let list = messages as? [[String: Any]], !list.isEmpty else {
                throw TrainingError("\"messages\" must be a non-empty list of {\"role\", \"content\"} objects")
            }
            let parsed = try list.enumerated().map { j, m -> Message in
                guard let roleName = m["role"] as? String, let role = Message.Role(rawValue: roleName) else {
                    throw TrainingError("message \(j + 1) has no valid role (system, user, assistant or tool)")
                }
                let calls = try (m["tool_calls"] as? [[String: Any]]).map { try toolCalls($0, message: j + 1) }
                guard let content = m["content"] as? String ?? (calls == nil ? nil : "") else {
                    throw TrainingError("message \(j + 1) has no string \"content\"")
                }
                return Message(role: role, content: content, toolCallID: m["tool_call_id"] as? String, toolCalls: calls)
            }
            guard parsed.contains(where: { $0.role == .assistant }) else {
                throw TrainingError("no assistant message: nothing to learn from")
            }
            guard let tools = object["tools"] else { return .chat(parsed) }
            // Offered tools: the conversation as the engine shows it to the model (ToolCallFormat).
            guard let data = try? JSONSerialization.data(withJSONObject: tools),
                  let list = try? JSONDecoder().decode([JSONValue].self, from: data) else {
                throw TrainingError("\"tools\" must be a list of {\"type\": \"function\", \"function\": {...}}")
            }
            let definitions = try list.enumerated().map { i, t -> ToolDefinition in
                guard let f = t["function"], let name = f["name"]?.string else { throw TrainingError("tools[\(i)] has no function name") }
                return ToolDefinition(name: name, description: f["description"]?.string, parameters: f["parameters"] ?? ["type": "object"])
            }
            return .chat(ToolCallFormat.messages(parsed, tools: definitions, choice: .auto))
        }
        if let prompt = object["prompt"] as? String, let completion = object["completion"] as? String {
            guard !completion.isEmpty else { throw TrainingError("empty \"completion\": nothing to learn from") }
            return .completion(prompt: prompt, completion: completion)
        }
        throw TrainingError("expected {\"messages\": [...]} or {\"prompt\": ..., \"completion\": ...}")
    }

    /// An assistant message's `tool_calls` (OpenAI's shape; the arguments JSON text).
    static func toolCalls(_ list: [[String: Any]], message j: Int) throws -> [ToolCall] {
        try list.enumerated().map { i, c in
            guard let f = c["function"] as? [String: Any], let name = f["name"] as? String, let arguments = f["arguments"] as? String else {
                throw TrainingError("message \(j), tool_calls[\(i)]: needs function.name and function.arguments (JSON text)")
            }
            return ToolCall(id: c["id"] as? String ?? "call_\(i + 1)", name: name, arguments: arguments)
        }
    }
}

/// An example as token ids: `targets[t]` is the token the model should predict after token t, or
/// -1 where there is no loss (the prompt, the user's turns, the template's scaffolding).
public struct EncodedExample: Sendable, Equatable {
    public var tokens: [Int]
    public var targets: [Int]
    public var targetCount: Int { targets.filter { $0 >= 0 }.count }

    public init(tokens: [Int], targets: [Int]) {
        self.tokens = tokens
        self.targets = targets
    }
}

/// Turns examples into token ids through the model's own chat template, with the loss on the
/// assistant's tokens only: each assistant turn's content and its end-of-turn token (so the model
/// learns to stop), nothing before or after.
///
///     let encoder = SFTEncoder(tokenizer: loaded.tokenizer, template: try LocalModel.chatTemplate(for: loaded))
///     let e = try encoder.encode(.chat([.user("Hi"), .assistant("Hello!")]))
public struct SFTEncoder: Sendable {
    public let tokenizer: any Tokenizer
    public let template: any ChatTemplate

    public init(tokenizer: any Tokenizer, template: any ChatTemplate) {
        self.tokenizer = tokenizer
        self.template = template
    }

    public func encode(_ example: SFTExample) throws -> EncodedExample {
        switch example {
        case let .completion(prompt, completion):
            let p = tokenizer.encode(prompt, addSpecial: true, parseSpecial: false)
            var c = tokenizer.encode(completion, addSpecial: false, parseSpecial: false)
            if let eos = tokenizer.eos { c.append(eos) }
            return Self.masked(p + c, spans: [p.count..<(p.count + c.count)])
        case let .chat(messages):
            // The conversation's tokens, and for each assistant turn the span it adds to the tokens of
            // everything before it plus the generation prompt.
            let all = tokenizer.encode(try template.render(messages, addGenerationPrompt: false), addSpecial: true, parseSpecial: true)
            var spans: [Range<Int>] = []
            for (k, m) in messages.enumerated() where m.role == .assistant {
                let before = tokenizer.encode(try template.render(Array(messages[..<k]), addGenerationPrompt: true),
                                              addSpecial: true, parseSpecial: true)
                let through = tokenizer.encode(try template.render(Array(messages[...k]), addGenerationPrompt: false),
                                               addSpecial: true, parseSpecial: true)
                guard through.starts(with: before), all.starts(with: through) else {
                    throw TrainingError("the chat template does not render turn \(k + 1) as a continuation of the turns before it")
                }
                // The turn's content and its end-of-turn token; not the newline the template adds after it.
                var end = through.count
                if let stop = through[before.count...].firstIndex(where: tokenizer.isEndOfGeneration) { end = stop + 1 }
                spans.append(before.count..<end)
            }
            return Self.masked(all, spans: spans)
        }
    }

    /// Targets for next-token prediction: token t + 1 is a target when it lies in a span.
    static func masked(_ tokens: [Int], spans: [Range<Int>]) -> EncodedExample {
        var targets = [Int](repeating: -1, count: tokens.count)
        for span in spans { for i in span where i > 0 && i < tokens.count { targets[i - 1] = tokens[i] } }
        return EncodedExample(tokens: tokens, targets: targets)
    }
}
