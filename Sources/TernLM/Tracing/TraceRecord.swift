import Foundation
import GRDB

/// One recorded call to a language model: everything needed to answer "what exactly was sent, and
/// what came back".
public struct TraceRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "calls"

    public var id: Int64?
    public var spanID: String
    public var parentSpanID: String?
    /// Unix time at which the call was made.
    public var startedAt: Double
    /// "complete", "stream", "score" or "embed".
    public var kind: String
    public var backend: String
    public var model: String
    /// The messages as JSON (a raw prompt is one user message).
    public var messages: String
    /// The prompt exactly as the model saw it, special tokens included; nil when a remote server
    /// rendered it.
    public var renderedPrompt: String?
    /// The generation parameters as JSON.
    public var parameters: String
    public var output: String?
    /// All choices, with logprobs, as JSON.
    public var choices: String?
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var latency: Double?
    public var timeToFirstToken: Double?
    public var cacheHit: Bool
    public var error: String?
    public var rolloutID: String?

    public init(id: Int64? = nil, spanID: String = Span.newID(), parentSpanID: String? = Span.current,
                startedAt: Double, kind: String, backend: String, model: String, messages: String, renderedPrompt: String?,
                parameters: String, output: String? = nil, choices: String? = nil, finishReason: String? = nil,
                promptTokens: Int? = nil, completionTokens: Int? = nil, latency: Double? = nil, timeToFirstToken: Double? = nil,
                cacheHit: Bool = false, error: String? = nil, rolloutID: String? = nil) {
        self.id = id
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.startedAt = startedAt
        self.kind = kind
        self.backend = backend
        self.model = model
        self.messages = messages
        self.renderedPrompt = renderedPrompt
        self.parameters = parameters
        self.output = output
        self.choices = choices
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.cacheHit = cacheHit
        self.error = error
        self.rolloutID = rolloutID
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, kind, backend, model, messages, parameters, output, choices, latency, error
        case spanID = "span_id", parentSpanID = "parent_span_id", startedAt = "started_at"
        case renderedPrompt = "rendered_prompt", finishReason = "finish_reason"
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        case timeToFirstToken = "ttft", cacheHit = "cache_hit", rolloutID = "rollout_id"
    }
}

/// A named unit of work (a program, a search, an ensemble) under which calls nest.
public struct SpanRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "spans"
    public var spanID: String
    public var parentSpanID: String?
    public var name: String
    public var startedAt: Double
    public var endedAt: Double?
    /// JSON object of what the span decided (see `TraceStore.annotate`).
    public var attributes: String?

    enum CodingKeys: String, CodingKey {
        case name, attributes
        case spanID = "span_id", parentSpanID = "parent_span_id", startedAt = "started_at", endedAt = "ended_at"
    }
}
