import Foundation
import Hummingbird
import NIOCore
import TernEngine
import TernEnsembles
import TernLM
import TernTokenizers

/// Tern's own endpoints beside the OpenAI API, under /tern/v1, used by the playground page and by
/// scripts alike (docs/PLAYGROUND.md lists them). They obey `--api-key` as /v1 does.
///
/// - `GET  /tern/v1/models`: the served models with their kind (base, adapter, mixture, router,
///   embedding, remote).
/// - `POST /tern/v1/render` `{model, messages}`: the prompt exactly as the model will see it.
/// - `POST /tern/v1/forks` `{model, prompt, output?, samples, max_tokens, answer}`: forking paths.
/// - `POST /tern/v1/judge` `{model, question, a, b}`: the pairwise judge, both orders.
/// - `GET  /tern/v1/traces?model&kind&since&until&q&limit&offset`, `GET /tern/v1/traces/ID`,
///   `GET /tern/v1/evals`: the trace store.
extension OpenAIServer {
    func addPlaygroundRoutes(to router: Router<ConnectionContext>) {
        router.get("tern/v1/models") { request, _ in
            await answer("tern-models", request) { _ in
                jsonResponse(JSONValue.object(["data": .array(models.map { m in
                    .object(["id": .string(m.name), "backend": .string(m.backend), "kind": .string(Self.kind(of: m))])
                })]))
            }
        }
        router.post("tern/v1/render") { request, _ in
            await answer("render", request) { body in
                let r = try decode(RenderRequest.self, body)
                let model = try self.model(named: r.model)
                guard let local = Self.local(model) else {
                    throw APIError.badField("model", "\(model.name) renders prompts on its own server; only local models show them")
                }
                let prompt = try r.validated()
                let (ids, text) = try local.promptTokens(prompt)
                return jsonResponse(JSONValue.object(["model": .string(model.name), "prompt": .string(text),
                                                      "tokens": .number(Double(ids.count))]))
            }
        }
        router.post("tern/v1/forks") { request, _ in
            await answer("forks", request) { body in
                let r = try decode(ForksRequest.self, body)
                let model = try self.model(named: r.model)
                guard let local = Self.local(model) else { throw APIError.badField("model", "forking paths need a local model") }
                let (options, regex) = try r.validated(tokenizer: local.loaded.tokenizer)
                let report = try await local.forkingPaths(prompt: r.prompt ?? "", options: options) { text in
                    Self.lastMatch(regex, text)
                }
                return jsonResponse(report)
            }
        }
        router.post("tern/v1/judge") { request, _ in
            await answer("judge", request) { body in
                let r = try decode(JudgeRequest.self, body)
                guard let question = r.question, let a = r.a, let b = r.b else {
                    throw APIError.badField(r.question == nil ? "question" : r.a == nil ? "a" : "b", "is required")
                }
                let judge = PairwiseJudge(model: try self.model(named: r.model), mode: r.mode == "likelihood" ? .likelihood : .generate)
                // Traced as one span holding both orders' calls, with the verdict on it.
                let j: PairwiseJudge.Judgment
                if let store = traces {
                    j = try await store.span("judge", attributes: ["question": .string(question)]) {
                        let j = try await judge.compare(question: question, a: a, b: b)
                        try store.annotate(["verdict": .string(j.verdict.rawValue), "in_order": j.inOrder.map { .string($0.rawValue) } ?? .null,
                                            "swapped": j.swapped.map { .string($0.rawValue) } ?? .null])
                        return j
                    }
                } else {
                    j = try await judge.compare(question: question, a: a, b: b)
                }
                return jsonResponse(JSONValue.object([
                    "verdict": .string(j.verdict.rawValue),
                    "in_order": j.inOrder.map { .string($0.rawValue) } ?? .null,
                    "swapped": j.swapped.map { .string($0.rawValue) } ?? .null,
                    "explanations": .array(j.explanations.map { .string($0) }),
                ]))
            }
        }
        router.get("tern/v1/traces") { request, _ in
            await answer("traces", request) { _ in
                let store = try tracesOrThrow()
                let q = Self.formQuery(request.uri.query)
                func number(_ key: String) throws -> Double? {
                    guard let v = q[key], !v.isEmpty else { return nil }
                    guard let d = Double(v) else { throw APIError.badField(key, "must be a number, got '\(v)'") }
                    return d
                }
                let limit = Int(try number("limit") ?? 25), offset = Int(try number("offset") ?? 0)
                guard (1...200).contains(limit) else { throw APIError.badField("limit", "must be 1 to 200, got \(limit)") }
                guard offset >= 0 else { throw APIError.badField("offset", "must not be negative") }
                let query = TraceQuery(model: q["model"], kind: q["kind"], since: try number("since"),
                                       until: try number("until"), text: q["q"], limit: limit, offset: offset)
                let page = try store.calls(matching: query)
                let facets = try store.facets()
                return jsonResponse(JSONValue.object([
                    "total": .number(Double(page.total)), "limit": .number(Double(limit)), "offset": .number(Double(offset)),
                    "models": .array(facets.models.map { .string($0) }), "kinds": .array(facets.kinds.map { .string($0) }),
                    "data": .array(page.calls.map(Self.summary)),
                ]))
            }
        }
        router.get("tern/v1/traces/:id") { request, context in
            await answer("trace", request) { _ in
                let store = try tracesOrThrow()
                let raw = context.parameters.get("id") ?? ""
                guard let id = Int64(raw) else { throw APIError.badField("id", "must be a call's number, got '\(raw)'") }
                guard let call = try store.call(id: id) else { throw APIError.notFound("no call \(id) in the trace store") }
                var detail = try JSONDecoder().decode([String: JSONValue].self, from: JSONEncoder().encode(call))
                for key in ["messages", "parameters", "choices"] {  // stored as JSON text: sent as JSON
                    if let text = detail[key]?.string, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) {
                        detail[key] = value
                    }
                }
                let chain = try store.spanChain(of: call)
                detail["spans"] = try chain.first.map { try Self.tree(store, $0, depth: 0) } ?? .null
                detail["span_path"] = .array(chain.map { .string($0.spanID) })
                return jsonResponse(JSONValue.object(detail))
            }
        }
        router.get("tern/v1/evals") { request, _ in
            await answer("evals", request) { _ in
                let evals = try tracesOrThrow().evaluations(limit: 100)
                return jsonResponse(JSONValue.object(["data": .array(evals.map { e in
                    .object(["id": .number(Double(e.id ?? 0)), "name": .string(e.name), "model": .string(e.model),
                             "started_at": .number(e.startedAt), "score": .number(e.score), "examples": .number(Double(e.examples)),
                             "calls": .number(Double(e.calls)), "span_id": e.spanID.map { .string($0) } ?? .null])
                })]))
            }
        }
    }

    private func tracesOrThrow() throws -> TraceStore {
        guard let traces else { throw APIError.notFound("tracing is off on this server (started with --no-trace)") }
        return traces
    }

    /// The local engine under any tracing wrapper.
    static func local(_ model: any LanguageModel) -> LocalModel? {
        if let l = model as? LocalModel { return l }
        if let t = model as? TracedModel { return local(t.base) }
        return nil
    }

    static func kind(of model: any LanguageModel) -> String {
        if let t = model as? TracedModel { return kind(of: t.base) }
        if let l = model as? LocalModel { return l.loaded.adapters.isEmpty ? "base" : "adapter" }
        switch model.backend {
        case "mixture-of-agents": return "mixture"
        case "router": return "router"
        case "local-embedding": return "embedding"
        case "openai": return "remote"
        default: return model.backend
        }
    }

    static func summary(_ c: TraceRecord) -> JSONValue {
        .object(["id": .number(Double(c.id ?? 0)), "started_at": .number(c.startedAt), "kind": .string(c.kind), "model": .string(c.model),
                 "backend": .string(c.backend), "prompt": .string(String((c.renderedPrompt ?? c.messages).suffix(160))),
                 "output": .string(String((c.output ?? "").prefix(160))), "latency": c.latency.map { .number($0) } ?? .null,
                 "prompt_tokens": c.promptTokens.map { .number(Double($0)) } ?? .null,
                 "completion_tokens": c.completionTokens.map { .number(Double($0)) } ?? .null,
                 "cache_hit": .bool(c.cacheHit), "error": c.error.map { .string($0) } ?? .null,
                 "span_id": .string(c.spanID), "parent_span_id": c.parentSpanID.map { .string($0) } ?? .null])
    }

    /// A span with its attributes, its calls (summaries) and its child spans, at most 6 deep.
    static func tree(_ store: TraceStore, _ span: SpanRecord, depth: Int) throws -> JSONValue {
        let attributes = span.attributes.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) } ?? .null
        let children = depth < 6 ? try store.spans(under: span.spanID).map { try tree(store, $0, depth: depth + 1) } : []
        return .object(["span_id": .string(span.spanID), "name": .string(span.name), "started_at": .number(span.startedAt),
                        "ended_at": span.endedAt.map { .number($0) } ?? .null, "attributes": attributes,
                        "calls": .array(try store.calls(under: span.spanID).map(summary)), "children": .array(children)])
    }

    /// A query string as forms and `URLSearchParams` write it: `+` is a space, `%XX` a byte.
    static func formQuery(_ raw: String?) -> [String: String] {
        var out: [String: String] = [:]
        for pair in (raw ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let key = parts.first, !key.isEmpty { out[key] = parts.count > 1 ? parts[1] : "" }
        }
        return out
    }

    /// The first group (or the whole match) of the regex's last match.
    static func lastMatch(_ regex: NSRegularExpression, _ text: String) -> String? {
        guard let m = regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).last else { return nil }
        let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
        return Range(r, in: text).map { String(text[$0]) }
    }
}

// MARK: Request bodies

struct RenderRequest: Decodable {
    let model: String?
    let messages: [ChatMessageField]?
    let prompt: String?

    func validated() throws -> Prompt {
        if let prompt { return .text(prompt) }
        guard let raw = messages, !raw.isEmpty else { throw APIError.badField("messages", "must be a non-empty list (or give 'prompt')") }
        return .chat(try raw.enumerated().map { i, m in
            guard let role = Message.Role(rawValue: m.role == "developer" ? "system" : m.role) else {
                throw APIError.badField("messages[\(i)].role", "unknown role '\(m.role)'")
            }
            return Message(role: role, content: m.content?.text ?? "")
        })
    }
}

struct ForksRequest: Decodable {
    let model: String?
    /// The raw prompt (as /tern/v1/render gave it).
    let prompt: String?
    /// The output to analyse; generated greedily when absent.
    let output: String?
    let samples: Int?
    let max_tokens: Int?
    let temperature: Double?
    let seed: Int?
    let answer: String?
    let threshold: Double?

    func validated(tokenizer: any Tokenizer) throws -> (ForkingPaths.Options, NSRegularExpression) {
        guard let prompt, !prompt.isEmpty else { throw APIError.badField("prompt", "is required") }
        let samples = self.samples ?? 8, maxTokens = max_tokens ?? 48
        guard (1...32).contains(samples) else { throw APIError.badField("samples", "must be 1 to 32, got \(samples)") }
        guard (1...128).contains(maxTokens) else { throw APIError.badField("max_tokens", "must be 1 to 128, got \(maxTokens)") }
        let pattern = answer ?? #"(-?\d+(?:\.\d+)?)"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { throw APIError.badField("answer", "is not a valid regular expression") }
        var o = ForkingPaths.Options(samples: samples, maxTokens: maxTokens)
        o.temperature = Float(temperature ?? 1)
        o.seed = UInt64(seed ?? 1)
        o.threshold = threshold ?? 0.5
        if let output {
            let ids = tokenizer.encode(output, addSpecial: false, parseSpecial: false)
            guard !ids.isEmpty else { throw APIError.badField("output", "is empty") }
            o.basePath = Array(ids.prefix(maxTokens))
        }
        return (o, regex)
    }
}

struct JudgeRequest: Decodable {
    let model: String?
    let question: String?
    let a: String?
    let b: String?
    let mode: String?
}
