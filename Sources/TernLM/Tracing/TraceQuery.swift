import Foundation
import GRDB

/// A filtered, paged view of the recorded calls: by model, kind and time, and text that the
/// prompt (messages or rendered) or the output contains. Newest first.
///
///     let page = try store.calls(matching: TraceQuery(model: "gemma3-270m", text: "capital", limit: 25))
///     page.total        // all matching calls
///     page.calls        // this page of them
public struct TraceQuery: Sendable, Hashable {
    public var model: String?
    public var kind: String?
    /// Unix times: calls started at or after `since`, before `until`.
    public var since: Double?
    public var until: Double?
    /// Case-insensitive substring of the messages, the rendered prompt or the output.
    public var text: String?
    public var limit: Int
    public var offset: Int

    public init(model: String? = nil, kind: String? = nil, since: Double? = nil, until: Double? = nil,
                text: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.model = model
        self.kind = kind
        self.since = since
        self.until = until
        self.text = text
        self.limit = limit
        self.offset = offset
    }

    /// The WHERE clause and its arguments (every value bound, never spliced into the SQL).
    var condition: (sql: String, arguments: StatementArguments) {
        var clauses: [String] = [], arguments: [any DatabaseValueConvertible] = []
        if let model, !model.isEmpty { clauses.append("model = ?"); arguments.append(model) }
        if let kind, !kind.isEmpty { clauses.append("kind = ?"); arguments.append(kind) }
        if let since { clauses.append("started_at >= ?"); arguments.append(since) }
        if let until { clauses.append("started_at < ?"); arguments.append(until) }
        if let text, !text.isEmpty {
            // LIKE with the pattern's own wildcards escaped; SQLite's LIKE ignores ASCII case.
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            clauses.append("(messages LIKE ? ESCAPE '\\' OR rendered_prompt LIKE ? ESCAPE '\\' OR output LIKE ? ESCAPE '\\')")
            arguments += Array(repeating: "%\(escaped)%", count: 3)
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), StatementArguments(arguments))
    }
}

/// One page of a `TraceQuery`.
public struct TracePage: Sendable {
    public var total: Int
    public var calls: [TraceRecord]
}

extension TraceStore {
    public func calls(matching query: TraceQuery) throws -> TracePage {
        let (condition, arguments) = query.condition
        return try pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM calls" + condition, arguments: arguments) ?? 0
            var paged = arguments
            paged += [max(0, query.limit), max(0, query.offset)]
            let calls = try TraceRecord.fetchAll(db, sql: "SELECT * FROM calls" + condition + " ORDER BY id DESC LIMIT ? OFFSET ?",
                                                 arguments: paged)
            return TracePage(total: total, calls: calls)
        }
    }

    /// The models and kinds that occur among the calls, for filter menus.
    public func facets() throws -> (models: [String], kinds: [String]) {
        try pool.read { db in
            (try String.fetchAll(db, sql: "SELECT DISTINCT model FROM calls ORDER BY model"),
             try String.fetchAll(db, sql: "SELECT DISTINCT kind FROM calls ORDER BY kind"))
        }
    }

    /// The chain of spans from the call's own up to its root, root first (empty for a call made
    /// outside any span).
    public func spanChain(of call: TraceRecord) throws -> [SpanRecord] {
        var chain: [SpanRecord] = []
        var next = call.parentSpanID
        try pool.read { db in
            while let id = next, chain.count < 64 {
                guard let span = try SpanRecord.fetchOne(db, sql: "SELECT * FROM spans WHERE span_id = ?", arguments: [id]) else { break }
                chain.insert(span, at: 0)
                next = span.parentSpanID
            }
        }
        return chain
    }
}
