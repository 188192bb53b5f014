import Foundation

/// A stand-in model for tests of prompts, parsing and programs (like DSPy's DummyLM): it answers
/// from a queue of replies, or by a rule over the rendered prompt, and remembers every request.
///
///     let model = ScriptedModel(replies: ["[[ ## answer ## ]]\n4"])
///     let c = try await model.chat([.user("2+2?")])   // c.text == "[[ ## answer ## ]]\n4"
///     model.requests.count                            // 1
public final class ScriptedModel: LanguageModel, @unchecked Sendable {  // state guarded by `lock`
    public let name: String
    public var backend: String { "scripted" }
    /// What the model claims to support (it enforces nothing: its replies are scripted).
    public let capabilities: ModelCapabilities
    private let lock = NSLock()
    private var replies: [String]
    private let rule: (@Sendable (CompletionRequest) -> String?)?
    private let scoreRule: (@Sendable (Prompt, String) -> Double)?
    private var seen: [CompletionRequest] = []

    /// Answers with `replies` in order, then with `rule` (when given) for every later request.
    /// `scoreRule`, when given, is the log-probability of a continuation after a prompt.
    public init(name: String = "scripted", replies: [String] = [], capabilities: ModelCapabilities = [],
                rule: (@Sendable (CompletionRequest) -> String?)? = nil,
                scoreRule: (@Sendable (Prompt, String) -> Double)? = nil) {
        self.name = name
        self.capabilities = capabilities
        self.replies = replies
        self.rule = rule
        self.scoreRule = scoreRule
    }

    /// Every request received so far, in order.
    public var requests: [CompletionRequest] { lock.withLock { seen } }

    /// Queues more replies.
    public func enqueue(_ more: [String]) { lock.withLock { replies += more } }

    /// Each of the request's `n` choices takes the next reply (or asks the rule again).
    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try Task.checkCancellation()
        let texts: [String] = try lock.withLock {
            seen.append(request)
            return try (0..<max(1, request.parameters.n)).map { _ in
                if !replies.isEmpty { return replies.removeFirst() }
                if let rule, let t = rule(request) { return t }
                throw LMError.invalidRequest("ScriptedModel '\(name)' has no reply left for request \(seen.count)")
            }
        }
        let promptText = request.prompt.messages.map { "\($0.role.rawValue): \($0.content)" }.joined(separator: "\n")
        // A reply written in `ToolCallFormat` is read as calls, as the local engine reads its output.
        let choices = texts.map { text in
            var c = Self.choice(text, stops: request.parameters.stop)
            if request.parameters.offersTools { c.readToolCalls() }
            return c
        }
        return Completion(model: name, choices: choices,
                          usage: Usage(promptTokens: promptText.split(separator: " ").count,
                                       completionTokens: choices.reduce(0) { $0 + $1.text.split(separator: " ").count }),
                          latency: Latency(seconds: 0, timeToFirstToken: 0), renderedPrompt: promptText)
    }

    /// Stop strings apply as a real backend applies them: the reply ends before the first one.
    static func choice(_ text: String, stops: [String]) -> Choice {
        let hits = stops.filter { !$0.isEmpty }.compactMap { s in text.range(of: s).map { (at: $0.lowerBound, stop: s) } }
        guard let first = hits.min(by: { $0.at < $1.at }) else { return Choice(text: text, finishReason: .stop) }
        return Choice(text: String(text[..<first.at]), finishReason: .stop, stopSequence: first.stop)
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> {
        streamByCompleting(request)
    }

    /// Scores by `scoreRule` (one token carrying the whole log-probability), or else by a fixed
    /// rule: each whitespace-separated word of the continuation has log-probability -1.
    public func score(_ prompt: Prompt, continuation: String) async throws -> Score {
        if let scoreRule { return Score(tokens: [TokenLogprob(token: continuation, id: nil, logprob: scoreRule(prompt, continuation))]) }
        return Score(tokens: continuation.split(separator: " ").map { TokenLogprob(token: String($0), id: nil, logprob: -1) })
    }

    /// Deterministic 8-dimensional vectors from the text's bytes (for plumbing tests, not meaning).
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map { t in
            var v = [Float](repeating: 0, count: 8)
            for (i, b) in t.utf8.enumerated() { v[i % 8] += Float(b) / 255 }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return n > 0 ? v.map { $0 / n } : v
        }
    }
}
