import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A `LanguageModel` served by any OpenAI-compatible HTTP API: vLLM, llama.cpp's server, Ollama,
/// OpenAI, or `tern serve`.
///
/// Chats go to `/chat/completions`, raw prompts to `/completions`. A 429 or 5xx answer, or a
/// connection failure, is retried with exponential backoff (honouring `Retry-After`); every other
/// error status becomes `LMError.server` with the server's own message.
///
///     let model = OpenAICompatibleModel(baseURL: "http://127.0.0.1:8080/v1", model: "gemma3-270m")
///     let c = try await model.chat([.user("Hello")])
public struct OpenAICompatibleModel: LanguageModel {
    public let baseURL: String
    public let name: String
    public var backend: String { "openai" }
    /// vLLM, llama.cpp's server and OpenAI all enforce `response_format` schemas.
    public var capabilities: ModelCapabilities { [.jsonSchema] }
    public let apiKey: String?
    public let timeout: TimeAmount
    public let maxRetries: Int
    let client: HTTPClient

    /// `apiKey` defaults to the environment variable named by `apiKeyVariable` (OPENAI_API_KEY).
    public init(baseURL: String, model: String, apiKey: String? = nil, apiKeyVariable: String = "OPENAI_API_KEY",
                timeout: TimeAmount = .seconds(120), maxRetries: Int = 3, client: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.name = model
        self.apiKey = apiKey ?? ProcessInfo.processInfo.environment[apiKeyVariable]
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.client = client
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let started = Date()
        let (path, body) = try payload(request, stream: false)
        let json = try await post(path, body)
        return try completion(json, request: request, started: started)
    }

    /// The requests are sent at once, so a server that batches (vLLM, llama.cpp with slots)
    /// decodes them together.
    public func complete(batch requests: [CompletionRequest]) async throws -> [Completion] {
        try await withThrowingTaskGroup(of: (Int, Completion).self) { group in
            for (i, r) in requests.enumerated() { group.addTask { (i, try await complete(r)) } }
            var out = [Completion?](repeating: nil, count: requests.count)
            for try await (i, c) in group { out[i] = c }
            return out.map { $0! }
        }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let started = Date()
                    let (path, body) = try payload(request, stream: true)
                    let response = try await send(path, body)
                    var texts = [String](repeating: "", count: max(1, request.parameters.n))
                    var finishes = [FinishReason](repeating: .stop, count: texts.count)
                    // Streamed calls: the first delta of each has its id and name, later ones add arguments.
                    var calls = [[ToolCall]](repeating: [], count: texts.count)
                    var usage: Usage?, firstToken: Date?
                    var pending = ""
                    events: for try await buffer in response.body {
                        pending += String(buffer: buffer)
                        while let end = pending.range(of: "\n") {
                            let line = pending[..<end.lowerBound].trimmingCharacters(in: .whitespaces)
                            pending.removeSubrange(..<end.upperBound)
                            guard line.hasPrefix("data:") else { continue }
                            let data = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                            if data == "[DONE]" { break events }
                            let event = try JSONDecoder().decode(JSONValue.self, from: Data(data.utf8))
                            if let e = event["error"] { throw LMError.server(status: 200, message: e["message"]?.string ?? "\(e)") }
                            if let u = event["usage"], let p = u["prompt_tokens"]?.number, let c = u["completion_tokens"]?.number {
                                usage = Usage(promptTokens: Int(p), completionTokens: Int(c))
                            }
                            for choice in event["choices"]?.array ?? [] {
                                let i = Int(choice["index"]?.number ?? 0)
                                guard i >= 0, i < texts.count else { continue }
                                let text = choice["delta"]?["content"]?.string ?? choice["text"]?.string ?? ""
                                if !text.isEmpty {
                                    if firstToken == nil { firstToken = Date() }
                                    texts[i] += text
                                    continuation.yield(.text(choice: i, text, logprobs: []))
                                }
                                for delta in choice["delta"]?["tool_calls"]?.array ?? [] {
                                    let k = Int(delta["index"]?.number ?? Double(calls[i].count))
                                    if k == calls[i].count, let call = Self.toolCall(delta) {
                                        calls[i].append(call)
                                    } else if k < calls[i].count {
                                        calls[i][k].arguments += delta["function"]?["arguments"]?.string ?? ""
                                    }
                                }
                                if let f = choice["finish_reason"]?.string { finishes[i] = Self.finish(f) }
                            }
                        }
                    }
                    let now = Date()
                    continuation.yield(.done(Completion(
                        model: name, choices: texts.indices.map { i in
                            Choice(text: texts[i], finishReason: finishes[i], toolCalls: calls[i].isEmpty ? nil : calls[i])
                        },
                        usage: usage ?? Usage(promptTokens: 0, completionTokens: 0),
                        latency: Latency(seconds: now.timeIntervalSince(started), timeToFirstToken: firstToken.map { $0.timeIntervalSince(started) }),
                        renderedPrompt: request.rawText)))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Through `/completions` with `echo` and `logprobs` (vLLM, OpenAI's legacy models); servers
    /// without echo answer with an error.
    public func score(_ prompt: Prompt, continuation: String) async throws -> Score {
        guard case .text(let text) = prompt else { throw LMError.unsupported("scoring a chat over the OpenAI API") }
        let body: JSONValue = .object(["model": .string(name), "prompt": .string(text + continuation), "max_tokens": .number(0),
                                       "echo": .bool(true), "logprobs": .number(0)])
        let json = try await post("/completions", body)
        guard let lp = json["choices"]?.array?.first?["logprobs"], let tokens = lp["tokens"]?.array,
              let values = lp["token_logprobs"]?.array, let offsets = lp["text_offset"]?.array else {
            throw LMError.unsupported("this server does not return prompt logprobs (echo)")
        }
        let start = text.count
        return Score(tokens: zip(tokens, zip(values, offsets)).compactMap { t, v in
            guard let off = v.1.number, Int(off) >= start else { return nil }
            return TokenLogprob(token: t.string ?? "", id: nil, logprob: v.0.number ?? 0)
        })
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let json = try await post("/embeddings", .object(["model": .string(name), "input": .array(texts.map { .string($0) })]))
        guard let data = json["data"]?.array else { throw LMError.server(status: 200, message: "embeddings answer has no 'data'") }
        return data.sorted { ($0["index"]?.number ?? 0) < ($1["index"]?.number ?? 0) }
            .map { ($0["embedding"]?.array ?? []).map { Float($0.number ?? 0) } }
    }

    // MARK: HTTP

    private func payload(_ request: CompletionRequest, stream: Bool) throws -> (String, JSONValue) {
        let p = request.parameters
        var body: [String: JSONValue] = ["model": .string(name), "n": .number(Double(p.n))]
        if let t = p.temperature { body["temperature"] = .number(t) }
        if let v = p.topP { body["top_p"] = .number(v) }
        if let v = p.topK { body["top_k"] = .number(Double(v)) }
        if let v = p.minP { body["min_p"] = .number(v) }
        if let s = p.seed { body["seed"] = .number(Double(Int64(bitPattern: s))) }
        if let m = p.maxTokens { body["max_tokens"] = .number(Double(m)) }
        if !p.stop.isEmpty { body["stop"] = .array(p.stop.map { .string($0) }) }
        if stream { body["stream"] = .bool(true); body["stream_options"] = .object(["include_usage": .bool(true)]) }
        switch p.responseFormat {
        case nil, .text?: break
        case .jsonObject?: body["response_format"] = .object(["type": .string("json_object")])
        case .jsonSchema(let n, let schema)?:
            body["response_format"] = .object(["type": .string("json_schema"),
                                               "json_schema": .object(["name": .string(n), "schema": schema])])
        }
        switch request.prompt {
        case .chat(let messages):
            body["messages"] = .array(messages.map(\.openAI))
            if let tools = p.tools, !tools.isEmpty {
                body["tools"] = .array(tools.map(\.openAI))
                switch p.toolChoice {
                case nil: break
                case .auto?: body["tool_choice"] = "auto"
                case .none?: body["tool_choice"] = "none"
                case .required?: body["tool_choice"] = "required"
                case .function(let n)?: body["tool_choice"] = ["type": "function", "function": ["name": .string(n)]]
                }
                if let parallel = p.parallelToolCalls { body["parallel_tool_calls"] = .bool(parallel) }
            }
            if p.logprobs { body["logprobs"] = .bool(true); body["top_logprobs"] = .number(Double(p.topLogprobs)) }
            return ("/chat/completions", .object(body))
        case .text(let t):
            body["prompt"] = .string(t)
            if p.logprobs { body["logprobs"] = .number(Double(p.topLogprobs)) }
            return ("/completions", .object(body))
        }
    }

    private func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        let response = try await send(path, body)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes.readableBytesView))
        } catch {
            throw LMError.server(status: Int(response.status.code), message: "answer is not JSON: \(String(buffer: bytes).prefix(200))")
        }
    }

    /// POSTs `body`, retrying 429, 5xx and connection failures with backoff; returns a 2xx response.
    private func send(_ path: String, _ body: JSONValue) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(string: body.canonicalJSON))
        var attempt = 0
        while true {
            try Task.checkCancellation()
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: timeout)
            } catch {
                if attempt < maxRetries, !(error is CancellationError) {
                    attempt += 1
                    try await Task.sleep(nanoseconds: backoff(attempt, retryAfter: nil))
                    continue
                }
                throw LMError.transport("\(baseURL + path): \(error)")
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return response }
            let text = String(buffer: (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer())
            if (status == 429 || status >= 500) && attempt < maxRetries {
                attempt += 1
                try await Task.sleep(nanoseconds: backoff(attempt, retryAfter: response.headers.first(name: "Retry-After").flatMap(Double.init)))
                continue
            }
            let message = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?["error"]?["message"]?.string ?? String(text.prefix(300))
            throw LMError.server(status: status, message: message)
        }
    }

    /// 0.5 s, 1 s, 2 s, … with ±25% jitter, or the server's Retry-After (capped at 30 s).
    private func backoff(_ attempt: Int, retryAfter: Double?) -> UInt64 {
        let base = retryAfter ?? 0.5 * pow(2, Double(attempt - 1)) * Double.random(in: 0.75...1.25)
        return UInt64(min(30, max(0, base)) * 1e9)
    }

    private func completion(_ json: JSONValue, request: CompletionRequest, started: Date) throws -> Completion {
        guard let choices = json["choices"]?.array else { throw LMError.server(status: 200, message: "answer has no 'choices'") }
        let usage = json["usage"]
        return Completion(
            model: json["model"]?.string ?? name,
            choices: choices.map { c in
                let text = c["message"]?["content"]?.string ?? c["text"]?.string ?? ""
                let calls = (c["message"]?["tool_calls"]?.array ?? []).compactMap(Self.toolCall)
                return Choice(text: text, logprobs: Self.logprobs(c["logprobs"]), finishReason: Self.finish(c["finish_reason"]?.string),
                              stopSequence: c["stop_reason"]?.string, toolCalls: calls.isEmpty ? nil : calls)
            },
            usage: Usage(promptTokens: Int(usage?["prompt_tokens"]?.number ?? 0), completionTokens: Int(usage?["completion_tokens"]?.number ?? 0)),
            latency: Latency(seconds: Date().timeIntervalSince(started), timeToFirstToken: nil),
            renderedPrompt: request.rawText)
    }

    static func finish(_ reason: String?) -> FinishReason {
        reason == "length" ? .length : reason == "tool_calls" ? .toolCalls : .stop
    }

    /// A `tool_calls` entry (a whole one, or the first delta of a streamed one).
    static func toolCall(_ v: JSONValue) -> ToolCall? {
        guard let name = v["function"]?["name"]?.string else { return nil }
        return ToolCall(id: v["id"]?.string ?? ToolCall.newID(), name: name, arguments: v["function"]?["arguments"]?.string ?? "")
    }

    /// Logprobs in either API's shape (chat: `content` list; completions: parallel lists).
    static func logprobs(_ v: JSONValue?) -> [TokenLogprob]? {
        guard let v, v != .null else { return nil }
        if let content = v["content"]?.array {
            return content.map { t in
                TokenLogprob(token: t["token"]?.string ?? "", id: nil, logprob: t["logprob"]?.number ?? 0,
                             top: (t["top_logprobs"]?.array ?? []).map {
                                 .init(token: $0["token"]?.string ?? "", id: nil, logprob: $0["logprob"]?.number ?? 0)
                             })
            }
        }
        guard let tokens = v["tokens"]?.array, let values = v["token_logprobs"]?.array else { return nil }
        let tops = v["top_logprobs"]?.array ?? []
        return tokens.indices.map { i in
            let top = (i < tops.count ? tops[i].object ?? [:] : [:]).map { TokenLogprob.Alternative(token: $0.key, id: nil, logprob: $0.value.number ?? 0) }
            return TokenLogprob(token: tokens[i].string ?? "", id: nil, logprob: values[i].number ?? 0,
                                top: top.sorted { $0.logprob > $1.logprob })
        }
    }
}
