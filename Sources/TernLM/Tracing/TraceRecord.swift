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

    enum CodingKeys: String, CodingKey {
        case name
        case spanID = "span_id", parentSpanID = "parent_span_id", startedAt = "started_at", endedAt = "ended_at"
    }
}
