/// Why generation ended, in the OpenAI API's words.
public enum FinishReason: String, Sendable, Codable, Hashable {
    case stop, length, cancelled
    /// The answer is one or more tool calls.
    case toolCalls = "tool_calls"
}

/// The log-probability of one generated (or scored) token, and of the most likely alternatives.
public struct TokenLogprob: Sendable, Hashable, Codable {
    public struct Alternative: Sendable, Hashable, Codable {
        public var token: String
        public var id: Int?
        public var logprob: Double
        public init(token: String, id: Int?, logprob: Double) {
            self.token = token
            self.id = id
            self.logprob = logprob
        }
    }

    public var token: String
    public var id: Int?
    public var logprob: Double
    public var top: [Alternative]

    public init(token: String, id: Int?, logprob: Double, top: [Alternative] = []) {
        self.token = token
        self.id = id
        self.logprob = logprob
        self.top = top
    }
}

/// One answer of a completion (a request with `n` > 1 has several).
public struct Choice: Sendable, Hashable, Codable {
    public var text: String
    /// Token ids, when the backend reports them (the local engine does).
    public var tokenIDs: [Int]?
    public var logprobs: [TokenLogprob]?
    public var finishReason: FinishReason
    /// The stop string that ended this choice, when one did (vLLM's `stop_reason`); a `.stop`
    /// without it ended at end-of-sequence. Backends that do not say leave it nil.
    public var stopSequence: String?
    /// The functions called, when the request offered tools and the model called them (`text`
    /// then holds any text before the calls, usually none).
    public var toolCalls: [ToolCall]?

    public init(text: String, tokenIDs: [Int]? = nil, logprobs: [TokenLogprob]? = nil, finishReason: FinishReason,
                stopSequence: String? = nil, toolCalls: [ToolCall]? = nil) {
        self.text = text
        self.tokenIDs = tokenIDs
        self.logprobs = logprobs
        self.finishReason = finishReason
        self.stopSequence = stopSequence
        self.toolCalls = toolCalls
    }
}

public struct Usage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// Wall-clock time of a call, from the moment it was made (queueing included).
public struct Latency: Sendable, Hashable, Codable {
    public var seconds: Double
    /// Until the first generated token was known.
    public var timeToFirstToken: Double?

    public init(seconds: Double, timeToFirstToken: Double?) {
        self.seconds = seconds
        self.timeToFirstToken = timeToFirstToken
    }
}

/// A model's answer to a `CompletionRequest`.
public struct Completion: Sendable, Hashable, Codable {
    public var model: String
    public var choices: [Choice]
    public var usage: Usage
    public var latency: Latency
    /// The prompt exactly as the model saw it (chat template applied, special tokens written out),
    /// when the backend knows it; a remote chat backend renders its own and reports nil.
    public var renderedPrompt: String?

    public init(model: String, choices: [Choice], usage: Usage, latency: Latency, renderedPrompt: String?) {
        self.model = model
        self.choices = choices
        self.usage = usage
        self.latency = latency
        self.renderedPrompt = renderedPrompt
    }

    /// The first choice's text.
    public var text: String { choices.first?.text ?? "" }
}

/// A piece of a streamed completion: new text of one choice, and at the end the finish reason and
/// the whole completion.
public enum CompletionChunk: Sendable {
    case text(choice: Int, String, logprobs: [TokenLogprob])
    case done(Completion)
}

/// The log-probability of a given continuation of a prompt, token by token.
public struct Score: Sendable, Hashable, Codable {
    public var tokens: [TokenLogprob]
    public var total: Double { tokens.reduce(0) { $0 + $1.logprob } }

    public init(tokens: [TokenLogprob]) { self.tokens = tokens }
}
