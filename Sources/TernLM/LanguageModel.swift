/// A request to a `LanguageModel`: a prompt and how to answer it.
public struct CompletionRequest: Sendable, Hashable, Codable {
    public var prompt: Prompt
    public var parameters: GenerationParameters
    /// Part of the response cache's key (see `TracedModel`): the same request in another rollout
    /// is a different call, so sampling N times with N rollout ids gives N answers.
    public var rolloutID: String?
    /// Skip the response cache for this call (it is still traced).
    public var bypassCache: Bool

    public init(_ prompt: Prompt, parameters: GenerationParameters = GenerationParameters(),
                rolloutID: String? = nil, bypassCache: Bool = false) {
        self.prompt = prompt
        self.parameters = parameters
        self.rolloutID = rolloutID
        self.bypassCache = bypassCache
    }
}

/// The one interface to a language model, local or remote. Programs, search, ensembles and the
/// server see only this, so each runs the same on the Tern engine, on any OpenAI-compatible
/// server, or on a scripted model in a test.
///
///     let model: any LanguageModel = try LocalModel(path: path)
///     let answer = try await model.chat([.user("Hi")], parameters: .greedy)
///     for try await chunk in model.stream(CompletionRequest(.text("Once upon a time"))) { … }
public protocol LanguageModel: Sendable {
    /// The model's name as requests and traces call it.
    var name: String { get }
    /// Which kind of backend serves it ("local", "openai", "scripted", …), for traces.
    var backend: String { get }
    /// What the backend can do beyond plain generation.
    var capabilities: ModelCapabilities { get }

    /// Answers a chat or completes a raw prompt.
    func complete(_ request: CompletionRequest) async throws -> Completion
    /// Answers several requests; the local engine decodes them as one batch. By default they are
    /// sent one after another.
    func complete(batch requests: [CompletionRequest]) async throws -> [Completion]
    /// The same, as it is generated. The last chunk is `.done` with the whole completion.
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error>
    /// The log-probability of `continuation` after `prompt`.
    func score(_ prompt: Prompt, continuation: String) async throws -> Score
    /// The log-probabilities of several alternative continuations of one prompt (a multiple-choice
    /// question, a judge's " Yes" against " No"). By default one `score` call each.
    func score(_ prompt: Prompt, continuations: [String]) async throws -> [Score]
    /// The same for several prompts, one list per prompt (a judge's many questions); the local
    /// engine evaluates them together. By default one prompt after another.
    func score(_ prompts: [Prompt], continuations: [String]) async throws -> [[Score]]
    /// One vector per text.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

/// Optional abilities of a backend, so programs can use them where they exist.
public struct ModelCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// `response_format` with a JSON schema is enforced, not just requested.
    public static let jsonSchema = ModelCapabilities(rawValue: 1)
}

extension LanguageModel {
    public var capabilities: ModelCapabilities { [] }

    public func complete(batch requests: [CompletionRequest]) async throws -> [Completion] {
        var out: [Completion] = []
        for r in requests { out.append(try await complete(r)) }
        return out
    }

    public func score(_ prompts: [Prompt], continuations: [String]) async throws -> [[Score]] {
        var out: [[Score]] = []
        for p in prompts { out.append(try await score(p, continuations: continuations)) }
        return out
    }

    public func score(_ prompt: Prompt, continuations: [String]) async throws -> [Score] {
        var out: [Score] = []
        for c in continuations { out.append(try await score(prompt, continuation: c)) }
        return out
    }

    public func chat(_ messages: [Message], parameters: GenerationParameters = GenerationParameters()) async throws -> Completion {
        try await complete(CompletionRequest(.chat(messages), parameters: parameters))
    }

    public func complete(_ prompt: String, parameters: GenerationParameters = GenerationParameters()) async throws -> Completion {
        try await complete(CompletionRequest(.text(prompt), parameters: parameters))
    }

    /// A stream made by running `complete` and sending its text as one chunk: for backends that
    /// cannot stream.
    public func streamByCompleting(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let c = try await complete(request)
                    for (i, choice) in c.choices.enumerated() {
                        continuation.yield(.text(choice: i, choice.text, logprobs: choice.logprobs ?? []))
                    }
                    continuation.yield(.done(c))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
