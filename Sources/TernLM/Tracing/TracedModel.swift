import Foundation
import TernStore

/// Any `LanguageModel`, with every call recorded in a `TraceStore` before it returns, and
/// (with `cache`) answered from the store's response cache when the same request was made before.
///
/// The cache key is a SHA-256 of the model's name, the canonical request (prompt and parameters
/// as sorted JSON) and the request's rollout id; `bypassCache` skips it for one call. A cache hit
/// is recorded like any call, with `cache_hit` set.
///
///     let model = TracedModel(try LocalModel(path: path), store: try TraceStore.open(), cache: true)
public struct TracedModel: LanguageModel {
    public let base: any LanguageModel
    public let store: TraceStore
    public let cache: Bool

    public init(_ base: any LanguageModel, store: TraceStore, cache: Bool = false) {
        self.base = base
        self.store = store
        self.cache = cache
    }

    public var name: String { base.name }
    public var backend: String { base.backend }
    public var capabilities: ModelCapabilities { base.capabilities }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let started = Date()
        let key = cacheKey(request)
        if let key, let hit = try store.cached(key) {
            try store.record(record(request, kind: "complete", started: started, completion: hit, cacheHit: true))
            return hit
        }
        do {
            let c = try await base.complete(request)
            if let key { try store.cache(c, key: key) }
            try store.record(record(request, kind: "complete", started: started, completion: c))
            return c
        } catch {
            _ = try? store.record(record(request, kind: "complete", started: started, error: error))
            throw error
        }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> {
        let started = Date(), store = store, base = base, key = cacheKey(request)
        if let key, let hit = try? store.cached(key) {
            return AsyncThrowingStream { continuation in
                for (i, choice) in hit.choices.enumerated() {
                    continuation.yield(.text(choice: i, choice.text, logprobs: choice.logprobs ?? []))
                }
                do {
                    try store.record(record(request, kind: "stream", started: started, completion: hit, cacheHit: true))
                    continuation.yield(.done(hit))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await chunk in base.stream(request) {
                        if case .done(let c) = chunk {
                            if let key { try store.cache(c, key: key) }
                            try store.record(record(request, kind: "stream", started: started, completion: c))
                        }
                        continuation.yield(chunk)
                    }
                    continuation.finish()
                } catch {
                    _ = try? store.record(record(request, kind: "stream", started: started, error: error))
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The batch goes to the base model whole (the local engine decodes it together); each request
    /// is answered from the cache or recorded on its own.
    public func complete(batch requests: [CompletionRequest]) async throws -> [Completion] {
        let started = Date()
        var out = [Completion?](repeating: nil, count: requests.count), misses: [Int] = []
        for (i, request) in requests.enumerated() {
            if let key = cacheKey(request), let hit = try store.cached(key) {
                try store.record(record(request, kind: "complete", started: started, completion: hit, cacheHit: true))
                out[i] = hit
            } else {
                misses.append(i)
            }
        }
        guard !misses.isEmpty else { return out.map { $0! } }
        do {
            let answered = try await base.complete(batch: misses.map { requests[$0] })
            for (i, c) in zip(misses, answered) {
                if let key = cacheKey(requests[i]) { try store.cache(c, key: key) }
                try store.record(record(requests[i], kind: "complete", started: started, completion: c))
                out[i] = c
            }
        } catch {
            for i in misses { _ = try? store.record(record(requests[i], kind: "complete", started: started, error: error)) }
            throw error
        }
        return out.map { $0! }
    }

    public func score(_ prompt: Prompt, continuation: String) async throws -> Score {
        try await score([prompt], continuations: [continuation])[0][0]
    }

    public func score(_ prompt: Prompt, continuations: [String]) async throws -> [Score] {
        try await score([prompt], continuations: continuations)[0]
    }

    /// The prompts go to the base model together; each (prompt, continuation) is recorded.
    public func score(_ prompts: [Prompt], continuations: [String]) async throws -> [[Score]] {
        let started = Date()
        do {
            let scores = prompts.count == 1 && continuations.count == 1
                ? [[try await base.score(prompts[0], continuation: continuations[0])]]
                : try await base.score(prompts, continuations: continuations)
            for (prompt, row) in zip(prompts, scores) {
                for (continuation, s) in zip(continuations, row) {
                    var r = record(CompletionRequest(prompt), kind: "score", started: started)
                    r.output = continuation
                    r.choices = s.canonicalJSON
                    r.completionTokens = s.tokens.count
                    try store.record(r)
                }
            }
            return scores
        } catch {
            for prompt in prompts { _ = try? store.record(record(CompletionRequest(prompt), kind: "score", started: started, error: error)) }
            throw error
        }
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let started = Date()
        let request = CompletionRequest(.chat(texts.map { .user($0) }))
        do {
            let v = try await base.embed(texts)
            var r = record(request, kind: "embed", started: started)
            r.output = "\(v.count) vectors of \(v.first?.count ?? 0)"
            try store.record(r)
            return v
        } catch {
            _ = try? store.record(record(request, kind: "embed", started: started, error: error))
            throw error
        }
    }

    // MARK: Records

    private func cacheKey(_ request: CompletionRequest) -> String? {
        guard cache, !request.bypassCache else { return nil }
        let canonical = name + "\n" + CompletionRequest(request.prompt, parameters: request.parameters).canonicalJSON
            + "\n" + (request.rolloutID ?? "")
        return SHA256.hash(Array(canonical.utf8)).hex
    }

    private func record(_ request: CompletionRequest, kind: String, started: Date, completion c: Completion? = nil,
                        cacheHit: Bool = false, error: Error? = nil) -> TraceRecord {
        TraceRecord(id: nil, spanID: Span.newID(), parentSpanID: Span.current, startedAt: started.timeIntervalSince1970,
                    kind: kind, backend: backend, model: name, messages: request.prompt.messages.canonicalJSON,
                    renderedPrompt: c?.renderedPrompt ?? request.rawText, parameters: request.parameters.canonicalJSON,
                    output: c?.text, choices: c.map { $0.choices.canonicalJSON }, finishReason: c?.choices.first?.finishReason.rawValue,
                    promptTokens: c?.usage.promptTokens, completionTokens: c?.usage.completionTokens,
                    latency: cacheHit ? Date().timeIntervalSince(started) : (c?.latency.seconds ?? Date().timeIntervalSince(started)),
                    timeToFirstToken: cacheHit ? nil : c?.latency.timeToFirstToken,
                    cacheHit: cacheHit, error: error.map { "\($0)" }, rolloutID: request.rolloutID)
    }
}

extension CompletionRequest {
    /// A raw prompt's text, which is what the model sees.
    var rawText: String? { if case .text(let t) = prompt { return t }; return nil }
}
