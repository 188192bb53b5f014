import TernLM

// Request bodies of the OpenAI API, as clients send them. Every field is optional here and checked
// in `validated()`, so a wrong field gets a 400 naming it rather than a decoding failure deep inside.

/// A field that is a string or a list of strings (`stop`, `prompt`, `input`).
struct StringOrList: Decodable {
    let values: [String]
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { values = [s] } else { values = try c.decode([String].self) }
    }
}

/// A message's `content`: a string, or a list of parts of which the text parts are joined.
struct ContentField: Decodable {
    let text: String
    struct Part: Decodable { let type: String; let text: String? }
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { text = s; return }
        if c.decodeNil() { text = ""; return }
        let parts = try c.decode([Part].self)
        guard parts.allSatisfy({ $0.type == "text" }) else {
            throw APIError.badField("messages.content", "only text parts are supported")
        }
        text = parts.compactMap(\.text).joined()
    }
}

struct ChatMessageField: Decodable {
    let role: String
    let content: ContentField?
    let name: String?
    let tool_call_id: String?
    let tool_calls: [ToolCallField]?
}

/// `tools[]` and an assistant message's `tool_calls[]`: `{"type": "function", "function": {…}}`.
struct ToolField: Decodable {
    let type: String?
    struct Function: Decodable { let name: String?; let description: String?; let parameters: JSONValue? }
    let function: Function?
}

struct ToolCallField: Decodable {
    let id: String?
    let type: String?
    struct Function: Decodable { let name: String?; let arguments: String? }
    let function: Function?
}

/// `tool_choice`: "auto", "none", "required", or `{"type": "function", "function": {"name": …}}`.
struct ToolChoiceField: Decodable {
    let choice: ToolChoice
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            switch s {
            case "auto": choice = .auto
            case "none": choice = .none
            case "required": choice = .required
            default: throw APIError.badField("tool_choice", "must be auto, none, required or a function, got '\(s)'")
            }
            return
        }
        guard let named = try? c.decode(ToolField.self), let name = named.function?.name else {
            throw APIError.badField("tool_choice", "must be auto, none, required or {\"type\": \"function\", \"function\": {\"name\": …}}")
        }
        choice = .function(name)
    }
}

struct ResponseFormatField: Decodable {
    let type: String
    struct Schema: Decodable { let name: String?; let schema: JSONValue? }
    let json_schema: Schema?
}

struct StreamOptionsField: Decodable { let include_usage: Bool? }

/// The fields /v1/chat/completions and /v1/completions share.
struct SamplingFields: Decodable {
    let model: String?
    /// llama.cpp's further sampler fields (`typical_p`, `mirostat`, `dry_multiplier`, …), read from
    /// the same top-level object.
    let samplers: SamplerSettings

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        top_p = try c.decodeIfPresent(Double.self, forKey: .top_p)
        top_k = try c.decodeIfPresent(Int.self, forKey: .top_k)
        min_p = try c.decodeIfPresent(Double.self, forKey: .min_p)
        seed = try c.decodeIfPresent(Int64.self, forKey: .seed)
        max_tokens = try c.decodeIfPresent(Int.self, forKey: .max_tokens)
        max_completion_tokens = try c.decodeIfPresent(Int.self, forKey: .max_completion_tokens)
        stop = try c.decodeIfPresent(StringOrList.self, forKey: .stop)
        n = try c.decodeIfPresent(Int.self, forKey: .n)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        stream_options = try c.decodeIfPresent(StreamOptionsField.self, forKey: .stream_options)
        response_format = try c.decodeIfPresent(ResponseFormatField.self, forKey: .response_format)
        samplers = try SamplerSettings(from: decoder)
    }

    enum CodingKeys: String, CodingKey {
        case model, temperature, top_p, top_k, min_p, seed, max_tokens, max_completion_tokens, stop, n, stream
        case stream_options, response_format
    }

    let temperature: Double?
    let top_p: Double?
    let top_k: Int?
    let min_p: Double?
    let seed: Int64?
    let max_tokens: Int?
    let max_completion_tokens: Int?
    let stop: StringOrList?
    let n: Int?
    let stream: Bool?
    let stream_options: StreamOptionsField?
    let response_format: ResponseFormatField?

    func parameters(logprobs: Bool, topLogprobs: Int) throws -> GenerationParameters {
        if let t = temperature, !(0...2).contains(t) { throw APIError.badField("temperature", "must be between 0 and 2, got \(t)") }
        if let p = top_p, !(p > 0 && p <= 1) { throw APIError.badField("top_p", "must be in (0, 1], got \(p)") }
        if let p = min_p, !(0...1).contains(p) { throw APIError.badField("min_p", "must be between 0 and 1, got \(p)") }
        if let k = top_k, k < 0 { throw APIError.badField("top_k", "must not be negative, got \(k)") }
        let maxTokens = max_completion_tokens ?? max_tokens
        if let m = maxTokens, m < 0 { throw APIError.badField("max_tokens", "must not be negative, got \(m)") }
        let n = self.n ?? 1
        guard (1...16).contains(n) else { throw APIError.badField("n", "must be 1 to 16, got \(n)") }
        guard (0...20).contains(topLogprobs) else { throw APIError.badField("top_logprobs", "must be 0 to 20, got \(topLogprobs)") }
        let stops = stop?.values ?? []
        guard stops.count <= 4 else { throw APIError.badField("stop", "at most 4 stop strings, got \(stops.count)") }
        var format: ResponseFormat?
        switch response_format?.type {
        case nil, "text": format = nil
        case "json_object": format = .jsonObject
        case "json_schema":
            guard let s = response_format?.json_schema?.schema else {
                throw APIError.badField("response_format.json_schema.schema", "is required for type json_schema")
            }
            format = .jsonSchema(name: response_format?.json_schema?.name ?? "response", schema: s)
        case let other?: throw APIError.badField("response_format.type", "unknown type '\(other)'")
        }
        if let m = samplers.mirostat, ![0, 2].contains(m) { throw APIError.badField("mirostat", "must be 0 or 2 (v2), got \(m)") }
        if let p = samplers.typicalP, !(p > 0 && p <= 1) { throw APIError.badField("typical_p", "must be in (0, 1], got \(p)") }
        if let p = samplers.xtcProbability, !(0...1).contains(p) { throw APIError.badField("xtc_probability", "must be between 0 and 1, got \(p)") }
        var parameters = GenerationParameters(temperature: temperature, topP: top_p, topK: top_k, minP: min_p,
                                              seed: seed.map { UInt64(bitPattern: $0) }, maxTokens: maxTokens, stop: stops, n: n,
                                              logprobs: logprobs, topLogprobs: topLogprobs, responseFormat: format)
        parameters.samplers = samplers == SamplerSettings() ? nil : samplers
        return parameters
    }
}

struct ChatRequest: Decodable {
    let messages: [ChatMessageField]?
    let logprobs: Bool?
    let top_logprobs: Int?
    let tools: [ToolField]?
    let tool_choice: ToolChoiceField?
    let parallel_tool_calls: Bool?

    func validated(_ s: SamplingFields) throws -> CompletionRequest {
        guard let raw = messages, !raw.isEmpty else { throw APIError.badField("messages", "must be a non-empty list") }
        let messages = try raw.enumerated().map { i, m -> Message in
            guard let role = Message.Role(rawValue: m.role == "developer" ? "system" : m.role) else {
                throw APIError.badField("messages[\(i)].role", "unknown role '\(m.role)'")
            }
            let calls = try m.tool_calls?.enumerated().map { k, c -> ToolCall in
                guard let name = c.function?.name else { throw APIError.badField("messages[\(i)].tool_calls[\(k)].function.name", "is required") }
                return ToolCall(id: c.id ?? ToolCall.newID(), name: name, arguments: c.function?.arguments ?? "{}")
            }
            return Message(role: role, content: m.content?.text ?? "", toolCallID: m.tool_call_id, name: m.name, toolCalls: calls)
        }
        if top_logprobs != nil && logprobs != true {
            throw APIError.badField("top_logprobs", "needs logprobs set to true")
        }
        var parameters = try s.parameters(logprobs: logprobs ?? false, topLogprobs: top_logprobs ?? 0)
        parameters.tools = try tools?.enumerated().map { i, t -> ToolDefinition in
            guard t.type == nil || t.type == "function" else { throw APIError.badField("tools[\(i)].type", "must be 'function', got '\(t.type!)'") }
            guard let f = t.function, let name = f.name else { throw APIError.badField("tools[\(i)].function.name", "is required") }
            let schema = f.parameters ?? ["type": "object", "properties": [:]]
            guard schema.object != nil else { throw APIError.badField("tools[\(i)].function.parameters", "must be a JSON schema object") }
            return ToolDefinition(name: name, description: f.description, parameters: schema)
        }
        parameters.toolChoice = tool_choice?.choice
        parameters.parallelToolCalls = parallel_tool_calls
        return CompletionRequest(.chat(messages), parameters: parameters)
    }
}

struct TextCompletionRequest: Decodable {
    let prompt: StringOrList?
    let logprobs: Int?
    let echo: Bool?

    func validated(_ s: SamplingFields) throws -> CompletionRequest {
        guard let prompts = prompt?.values, prompts.count == 1 else {
            throw APIError.badField("prompt", "must be a string (or a list of exactly one)")
        }
        if echo == true { throw APIError.badField("echo", "is not supported") }
        if let l = logprobs, !(0...5).contains(l) { throw APIError.badField("logprobs", "must be 0 to 5, got \(l)") }
        return CompletionRequest(.text(prompts[0]), parameters: try s.parameters(logprobs: logprobs != nil, topLogprobs: logprobs ?? 0))
    }
}

struct EmbeddingRequest: Decodable {
    let model: String?
    let input: StringOrList?
}
