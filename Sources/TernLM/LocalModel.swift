import Foundation
import TernEngine
import TernTokenizers

/// A `LanguageModel` running on the Tern engine in this process.
///
/// Requests are served one at a time, first come first served, on one engine thread (the engine's
/// own thread pool parallelises inside each step). Cancelling the calling task, or dropping a
/// stream, stops its generation before the next token. With `maxQueue` set, a request that finds
/// that many already waiting fails at once with `LMError.overloaded`.
///
///     let model = try LocalModel(path: "/models/gemma-3-270m-q4_k_m.gguf", name: "gemma3-270m")
///     let c = try await model.complete("The capital of France is", parameters: .greedy)
public final class LocalModel: LanguageModel, @unchecked Sendable {  // `session` is used only on `queue`
    public let name: String
    public var backend: String { "local" }
    /// `response_format` is enforced by constrained decoding: the reply always parses.
    public var capabilities: ModelCapabilities { [.jsonSchema] }
    public let template: any ChatTemplate
    public let maxQueue: Int?
    /// Tokens generated when a request gives no `maxTokens`.
    public let defaultMaxTokens: Int
    public var contextSize: Int { session.contextSize }

    /// The weights and tokenizer, shareable with other `LocalModel`s (each keeps its own KV cache).
    public let loaded: LoadedModel
    let session: Session  // used only on the engine thread (`run`)
    private let queue = DispatchQueue(label: "tern.local-model", qos: .userInitiated)
    private let waiting = LockedCounter()
    private let prefilled = LockedCounter()

    /// Prompt tokens evaluated so far by generation and scoring requests: a request with `n`
    /// choices counts its prompt once (the choices fork from it), and a prompt's start still cached
    /// from the previous request is not evaluated again.
    public var prefilledTokens: Int { prefilled.value }
    /// Whether a request reuses the keys and values of the start its prompt shares with the previous
    /// request's tokens (llama.cpp's `cache_prompt`). Off, every prompt is evaluated from its first token.
    public let promptCache: Bool

    /// `template` defaults to the file's own (`tokenizer.chat_template`, rendered as Jinja), else
    /// the built-in Gemma format; a stored template that does not parse is an error here.
    public init(loaded: LoadedModel, name: String, contextSize: Int = 4096, template: (any ChatTemplate)? = nil,
                maxQueue: Int? = nil, defaultMaxTokens: Int = 256, promptCache: Bool = true) throws {
        self.loaded = loaded
        self.promptCache = promptCache
        self.name = name
        self.template = try template ?? Self.chatTemplate(for: loaded)
        self.maxQueue = maxQueue
        self.defaultMaxTokens = defaultMaxTokens
        session = Session(loaded, contextSize: contextSize)
    }

    public convenience init(path: String, name: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            contextSize: Int = 4096, maxQueue: Int? = nil) throws {
        let loaded = try LoadedModel(path: path, threads: threads)
        try self.init(loaded: loaded, name: name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                  contextSize: contextSize, maxQueue: maxQueue)
    }

    /// The template a model's chats are rendered with: the GGUF's own `tokenizer.chat_template`
    /// (Jinja), else the built-in Gemma format. Throws when the stored template does not parse.
    public static func chatTemplate(for loaded: LoadedModel) throws -> any ChatTemplate {
        try storedTemplate(loaded) ?? GemmaTemplate()
    }

    /// The GGUF's `tokenizer.chat_template`, if it has one.
    static func storedTemplate(_ loaded: LoadedModel) throws -> JinjaTemplate? {
        guard let source = loaded.file.metadata["tokenizer.chat_template"]?.string else { return nil }
        let tokenizer = loaded.tokenizer
        func text(_ id: Int?) -> String { id.map { tokenizer.decode([$0], renderSpecial: true) } ?? "" }
        return try JinjaTemplate(source, bos: text(tokenizer.bos), eos: text(tokenizer.eos))
    }

    // MARK: LanguageModel

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try await run { flag in try self.generate(request, started: Date(), cancel: flag) { _ in } }
    }

    /// All the requests' choices decode as one batch, and what their prompts share (a search's
    /// problem, its beams' common steps) is evaluated once.
    public func complete(batch requests: [CompletionRequest]) async throws -> [Completion] {
        guard !requests.isEmpty else { return [] }
        return try await run { flag in try self.generate(requests, started: Date(), cancel: flag) { _, _ in } }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> {
        AsyncThrowingStream { continuation in
            let flag = CancelFlag()
            continuation.onTermination = { _ in flag.cancel() }
            let started = Date()
            do {
                try enqueue(flag: flag) {
                    do {
                        let c = try self.generate(request, started: started, cancel: flag) { continuation.yield($0) }
                        continuation.yield(.done(c))
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    public func score(_ prompt: Prompt, continuation: String) async throws -> Score {
        try await run { _ in
            let ids = try self.promptTokens(prompt).ids
            let tokenizer = self.loaded.tokenizer
            let next = tokenizer.encode(continuation, addSpecial: false, parseSpecial: false)
            guard !next.isEmpty else { throw LMError.invalidRequest("the continuation to score is empty") }
            guard ids.count + next.count <= self.session.contextSize else {
                throw LMError.promptTooLong(tokens: ids.count + next.count, context: self.session.contextSize)
            }
            self.forgetUnlessCaching()
            let kept = self.session.rewind(toSharedPrefixOf: ids)
            var logits = try self.session.evaluate(Array(ids[kept...]))
            self.prefilled.add(ids.count - kept + next.count - 1)
            var tokens: [TokenLogprob] = []
            for (i, id) in next.enumerated() {
                let lp = logprob(UnsafeBufferPointer(logits), of: id)
                tokens.append(TokenLogprob(token: tokenizer.decode([id], renderSpecial: true), id: id, logprob: lp))
                if i + 1 < next.count { logits = try self.session.evaluate([id]) }
            }
            return Score(tokens: tokens)
        }
    }

    /// The prompt is evaluated once; continuations of one token are read off its logits.
    public func score(_ prompt: Prompt, continuations: [String]) async throws -> [Score] {
        try await score([prompt], continuations: continuations)[0]
    }

    /// Continuations of one token are read off each prompt's logits, and the prompts are
    /// evaluated together: what they share once, the rests packed into shared passes.
    public func score(_ prompts: [Prompt], continuations: [String]) async throws -> [[Score]] {
        let tokenizer = loaded.tokenizer
        let ids = continuations.map { tokenizer.encode($0, addSpecial: false, parseSpecial: false) }
        guard ids.allSatisfy({ $0.count == 1 }) else {
            var out: [[Score]] = []
            for p in prompts {
                var scores: [Score] = []
                for c in continuations { scores.append(try await score(p, continuation: c)) }
                out.append(scores)
            }
            return out
        }
        guard !prompts.isEmpty else { return [] }
        return try await run { _ in
            let promptIDs = try prompts.map { try self.promptTokens($0).ids }
            self.forgetUnlessCaching()
            var out = [[Score]](repeating: [], count: prompts.count)
            let evaluated = try ForkedGenerator(session: self.session).lastLogits(of: promptIDs) { i, logits in
                let lps = logprobs(logits, of: ids.map { $0[0] })
                out[i] = zip(ids, lps).map { t, lp in
                    Score(tokens: [TokenLogprob(token: tokenizer.decode(t, renderSpecial: true), id: t[0], logprob: lp)])
                }
            }
            self.prefilled.add(evaluated)
            return out
        }
    }

    /// Mean of the final hidden states over the text's tokens, L2-normalised (a stand-in until a
    /// dedicated embedding model is loaded).
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await run { _ in
            try texts.map { text in
                let ids = self.loaded.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
                guard ids.count <= self.session.contextSize else {
                    throw LMError.promptTooLong(tokens: ids.count, context: self.session.contextSize)
                }
                let C = self.loaded.model.hiddenSize
                var sum = [Float](repeating: 0, count: C)
                self.session.reset()
                try self.session.evaluate(ids) { _, h in for c in 0..<C { sum[c] += h[c] } }
                let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return norm > 0 ? sum.map { $0 / norm } : sum
            }
        }
    }

    // MARK: Rendering

    /// The prompt's token ids, and the text exactly as the model sees it (special tokens written out).
    public func promptTokens(_ prompt: Prompt) throws -> (ids: [Int], text: String) {
        try promptTokens(prompt, tools: nil)
    }

    /// With `tools`, the template's own tool syntax or `ToolCallFormat`'s (`ToolUse.render`).
    func promptTokens(_ prompt: Prompt, tools: ToolUse?) throws -> (ids: [Int], text: String) {
        let tokenizer = loaded.tokenizer
        let text: String
        switch prompt {
        case .chat(let messages):
            guard !messages.isEmpty else { throw LMError.invalidRequest("'messages' is empty") }
            text = try tools?.render(prompt, with: template) ?? template.render(messages, addGenerationPrompt: true)
        case .text(let t):
            if tools != nil { throw LMError.invalidRequest("tools need a chat prompt ('messages')") }
            text = t
        }
        var ids = tokenizer.encode(text, addSpecial: true, parseSpecial: true)
        // A template (or a raw prompt) that writes BOS itself must not get a second one.
        if ids.count >= 2, let bos = tokenizer.bos, ids[0] == bos, ids[1] == bos { ids.removeFirst() }
        guard !ids.isEmpty else { throw LMError.invalidRequest("the prompt is empty") }
        return (ids, tokenizer.decode(ids, renderSpecial: true))
    }

    // MARK: Engine thread

    /// Runs `body` on the engine thread in turn; cancelling the calling task sets its flag.
    func run<T: Sendable>(_ body: @escaping @Sendable (CancelFlag) throws -> T) async throws -> T {
        let flag = CancelFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
                do {
                    try enqueue(flag: flag) {
                        if flag.isSet { c.resume(throwing: LMError.cancelled); return }
                        c.resume(with: Result { try body(flag) })
                    }
                } catch {
                    c.resume(throwing: error)
                }
            }
        } onCancel: {
            flag.cancel()
        }
    }

    private func enqueue(flag: CancelFlag, _ job: @escaping @Sendable () -> Void) throws {
        if let limit = maxQueue, waiting.increment() > limit {
            waiting.decrement()
            throw LMError.overloaded("\(limit) requests are already waiting for \(name)")
        } else if maxQueue == nil {
            waiting.increment()
        }
        queue.async {
            defer { self.waiting.decrement() }
            job()
        }
    }

    private func generate(_ request: CompletionRequest, started: Date, cancel: CancelFlag,
                          onChunk: (CompletionChunk) -> Void) throws -> Completion {
        try generate([request], started: started, cancel: cancel) { _, chunk in onChunk(chunk) }[0]
    }

    /// Every choice of every request decodes in one batch; what the prompts share is evaluated once.
    /// `onChunk` gets (request index, chunk).
    private func generate(_ requests: [CompletionRequest], started: Date, cancel: CancelFlag,
                          onChunk: (Int, CompletionChunk) -> Void) throws -> [Completion] {
        var prompts: [[Int]] = [], rendered: [String] = [], options: [GenerationOptions] = [], owner: [(request: Int, choice: Int)] = []
        for (r, request) in requests.enumerated() {
            let p = request.parameters
            let grammar = try p.responseFormat?.grammar()
            guard p.n >= 1, p.n <= 16 else { throw LMError.invalidRequest("'n' must be 1 to 16, got \(p.n)") }
            if let m = p.maxTokens, m < 0 { throw LMError.invalidRequest("'max_tokens' must not be negative, got \(m)") }
            let tools = try ToolUse(p)
            if tools != nil, grammar != nil { throw LMError.invalidRequest("'response_format' and 'tools' cannot be combined") }
            let (ids, text) = try promptTokens(request.prompt, tools: tools)
            guard ids.count < session.contextSize else {
                throw LMError.promptTooLong(tokens: ids.count, context: session.contextSize)
            }
            rendered.append(text)
            for i in 0..<p.n {
                var o = GenerationOptions(maxTokens: p.maxTokens ?? defaultMaxTokens, stop: p.stop,
                                          logprobs: p.logprobs ? max(1, p.topLogprobs) : 0)
                o.sampling = sampling(p, choice: i)
                if let grammar { o.constraint = constraintTables.constraint(grammar) }
                if let tools { o.constraint = tools.constraint(constraintTables) }
                options.append(o)
                prompts.append(ids)
                owner.append((r, i))
            }
        }
        guard options.count <= 64 else { throw LMError.invalidRequest("at most 64 sequences decode together, got \(options.count)") }
        let tokenizer = loaded.tokenizer
        var firstToken: Date?
        forgetUnlessCaching()
        // All choices fork from one evaluation of what their prompts share and decode as a batch.
        // With logprobs, text waits for the token that completes it, so each chunk carries its
        // tokens' logprobs (text flushed at the end, held back as a possible stop string, comes last).
        var pending = [String](repeating: "", count: options.count)
        let streamsLogprobs = owner.map { requests[$0.request].parameters.logprobs }
        let results = try ForkedGenerator(session: session).generate(prompts: prompts, options: options, isCancelled: { cancel.isSet },
            onText: { i, text in
                if firstToken == nil { firstToken = Date() }
                if streamsLogprobs[i] { pending[i] += text } else if !text.isEmpty {
                    onChunk(owner[i].request, .text(choice: owner[i].choice, text, logprobs: []))
                }
            },
            onToken: { i, result in
                guard streamsLogprobs[i], let id = result.ids.last, let lp = result.logprobs.last, let top = result.topLogprobs.last else { return }
                let k = requests[owner[i].request].parameters.topLogprobs
                onChunk(owner[i].request, .text(choice: owner[i].choice, pending[i], logprobs: [Self.tokenLogprob(tokenizer, id, lp, top, k)]))
                pending[i] = ""
            })
        for i in pending.indices where !pending[i].isEmpty {
            onChunk(owner[i].request, .text(choice: owner[i].choice, pending[i], logprobs: []))
        }
        prefilled.add(results.reduce(0) { $0 + $1.promptTokens.count - $1.reusedPromptTokens })
        var choices = [[Choice]](repeating: [], count: requests.count), generated = [Int](repeating: 0, count: requests.count)
        for (k, result) in results.enumerated() {
            let p = requests[owner[k].request].parameters
            generated[owner[k].request] += result.ids.count
            var logprobs: [TokenLogprob]?
            if p.logprobs {
                logprobs = zip(result.ids, zip(result.logprobs, result.topLogprobs)).map { id, lp in
                    Self.tokenLogprob(tokenizer, id, lp.0, lp.1, p.topLogprobs)
                }
            }
            let finish: FinishReason = result.finishReason == .cancelled ? .cancelled : result.finishReason == .stop ? .stop : .length
            var choice = Choice(text: result.text, tokenIDs: result.ids, logprobs: logprobs, finishReason: finish,
                                stopSequence: result.stopSequence)
            if p.offersTools { choice.readToolCalls() }
            choices[owner[k].request].append(choice)
        }
        let now = Date()
        return requests.indices.map { r in
            Completion(model: name, choices: choices[r],
                       usage: Usage(promptTokens: prompts[owner.firstIndex { $0.request == r }!].count, completionTokens: generated[r]),
                       latency: Latency(seconds: now.timeIntervalSince(started),
                                        timeToFirstToken: firstToken.map { $0.timeIntervalSince(started) }),
                       renderedPrompt: rendered[r])
        }
    }

    private static func tokenLogprob(_ tokenizer: any Tokenizer, _ id: Int, _ logprob: Double,
                                     _ top: [(id: Int, logprob: Double)], _ k: Int) -> TokenLogprob {
        TokenLogprob(token: tokenizer.decode([id], renderSpecial: true), id: id, logprob: logprob,
                     top: top.prefix(k).map { .init(token: tokenizer.decode([$0.id], renderSpecial: true), id: $0.id, logprob: $0.logprob) })
    }

    /// Without the prompt cache, the next request starts from an empty session.
    private func forgetUnlessCaching() {
        if !promptCache { session.reset() }
    }

    /// Built on the first constrained request, then shared by all.
    private lazy var constraintTables = ConstraintTables(loaded.tokenizer)

    /// The engine's samplers for a request: llama.cpp's defaults where the request says nothing;
    /// choice i of several draws from seed + i.
    private func sampling(_ p: GenerationParameters, choice: Int) -> SamplingParameters {
        var s = SamplingParameters()
        if let t = p.temperature { s.temperature = Float(t) }
        if let v = p.topP { s.topP = Float(v) }
        if let v = p.topK { s.topK = v }
        if let v = p.minP { s.minP = Float(v) }
        if let seed = p.seed { s.seed = seed &+ UInt64(choice) }
        if let x = p.samplers { x.apply(to: &s, tokenizer: loaded.tokenizer) }
        return s
    }
}

/// Set once by a canceller, read before every generated token.
final class CancelFlag: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var set = false
    var isSet: Bool { lock.withLock { set } }
    func cancel() { lock.withLock { set = true } }
}

final class LockedCounter: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var count = 0
    @discardableResult func increment() -> Int { add(1) }
    func decrement() { add(-1) }
    @discardableResult func add(_ n: Int) -> Int { lock.withLock { count += n; return count } }
    var value: Int { lock.withLock { count } }
}
