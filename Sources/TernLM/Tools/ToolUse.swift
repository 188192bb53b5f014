import TernEngine

/// A request's tools, checked, as the local engine uses them: the prompt that offers them, the
/// constraint that keeps calls well formed, and the calls read back from the output.
struct ToolUse {
    let tools: [ToolDefinition]
    let choice: ToolChoice
    let parallel: Bool
    /// The functions a call may name, with their arguments' grammars (none when the choice is "none").
    let functions: [ToolCallConstraint.Function]

    /// nil when the request offers no tools; throws naming the tool whose definition is wrong.
    init?(_ p: GenerationParameters) throws {
        guard let tools = p.tools, !tools.isEmpty else {
            if p.toolChoice != nil, p.toolChoice != ToolChoice.none { throw LMError.invalidRequest("'tool_choice' needs 'tools'") }
            return nil
        }
        var seen = Set<String>(), grammars: [JSONGrammar] = []
        for (i, t) in tools.enumerated() {
            guard !t.name.isEmpty, t.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                throw LMError.invalidRequest("tools[\(i)].function.name: '\(t.name)' is not a function name (letters, digits, _ - .)")
            }
            guard seen.insert(t.name).inserted else { throw LMError.invalidRequest("tools[\(i)].function.name: '\(t.name)' is offered twice") }
            guard t.parameters.object != nil else { throw LMError.invalidRequest("tools[\(i)].function.parameters: must be a JSON schema object") }
            do { grammars.append(try JSONGrammar(schema: Self.boundingStrings(t.parameters), compact: true)) } catch {
                throw LMError.invalidRequest("tools[\(i)].function.parameters: \(error)")
            }
        }
        let choice = p.toolChoice ?? .auto
        self.tools = tools
        self.choice = choice
        parallel = p.parallelToolCalls ?? true
        if case .function(let name) = choice, !seen.contains(name) {
            throw LMError.invalidRequest("tool_choice: no function '\(name)' among the tools")
        }
        functions = zip(tools, grammars).compactMap { t, g in
            switch choice {
            case .none: return nil
            case .function(let name) where name != t.name: return nil
            default: return ToolCallConstraint.Function(name: t.name, arguments: g)
            }
        }
    }

    /// Strings and lists in arguments are at most this long unless the schema says otherwise, so
    /// a small model that repeats itself inside one still closes it and finishes the call.
    static let defaultMaxLength = 128, defaultMaxItems = 32

    /// The schema with `maxLength` on every string and `maxItems` on every list that has none
    /// (nested ones too).
    static func boundingStrings(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(var o):
            for (key, value) in o where key != "enum" && key != "const" && key != "default" && key != "examples" {
                o[key] = boundingStrings(value)
            }
            let types = o["type"]?.string.map { [$0] } ?? o["type"]?.array?.compactMap(\.string) ?? []
            if types.contains("string"), o["maxLength"] == nil, o["enum"] == nil, o["const"] == nil {
                o["maxLength"] = .number(Double(defaultMaxLength))
            }
            if types.contains("array"), o["maxItems"] == nil { o["maxItems"] = .number(Double(defaultMaxItems)) }
            return .object(o)
        case .array(let a): return .array(a.map(boundingStrings))
        default: return schema
        }
    }

    /// The prompt's text: in the template's own tool syntax when it has one, else with the tools
    /// and calls written into the messages (`ToolCallFormat`, Hermes blocks). Calls are read back
    /// as Hermes blocks either way, the format the templates that render tools use.
    func render(_ prompt: Prompt, with template: any ChatTemplate) throws -> String {
        guard case .chat(let messages) = prompt else { throw LMError.invalidRequest("tools need a chat prompt ('messages')") }
        if template.rendersTools { return try template.render(messages, tools: tools, addGenerationPrompt: true) }
        return try template.render(ToolCallFormat.messages(messages, tools: tools, choice: choice), addGenerationPrompt: true)
    }

    func constraint(_ tables: ConstraintTables) -> (any TokenConstraint)? {
        guard !functions.isEmpty else { return nil }
        return ToolCallConstraint(functions: functions, mustCall: choice != .auto, parallel: parallel, tables: tables)
    }
}

extension GenerationParameters {
    /// Tools are offered and the model may call them.
    public var offersTools: Bool { !(tools ?? []).isEmpty && toolChoice != ToolChoice.none }
}

extension Choice {
    /// Reads the calls in the text (`ToolCallFormat`): the text keeps what came before them and the
    /// choice finishes with `.toolCalls`. A choice with no whole call is left as it is.
    public mutating func readToolCalls() {
        let (content, calls) = ToolCallFormat.parse(text)
        guard !calls.isEmpty else { return }
        text = content
        // A small model may write the same call again where it could have stopped: once is enough.
        var seen = Set<String>()
        toolCalls = calls.filter { seen.insert($0.name + "\u{0}" + $0.arguments).inserted }
            .map { ToolCall(id: ToolCall.newID(), name: $0.name, arguments: $0.arguments) }
        if finishReason == .stop { finishReason = .toolCalls }
    }
}
