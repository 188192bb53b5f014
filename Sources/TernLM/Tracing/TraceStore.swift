import Foundation
import GRDB
import TernStore

/// The SQLite database (WAL mode, through GRDB) in which every call to a language model is recorded,
/// with a response cache beside it. One file, `<tern home>/traces.sqlite` unless told otherwise;
/// several processes may write it at once.
///
/// Each record is committed before the call it describes returns, in its own transaction, so a
/// crash loses no call that already returned and cannot leave a half-written record (SQLite's
/// journal rolls an interrupted transaction back).
///
///     let store = try TraceStore.open()
///     let model = TracedModel(local, store: store)
///     try await store.span("qa-program") { try await model.complete("…") }
public final class TraceStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Tracing is off when TERN_NO_TRACE is set to anything but "0" or "".
    public static var disabledByEnvironment: Bool {
        let v = ProcessInfo.processInfo.environment["TERN_NO_TRACE"] ?? ""
        return !v.isEmpty && v != "0"
    }

    /// `<tern home>/traces.sqlite`, or TERN_TRACES when set.
    public static var defaultPath: String {
        ProcessInfo.processInfo.environment["TERN_TRACES"] ?? ModelStore().home + "/traces.sqlite"
    }

    public static func open(path: String? = nil) throws -> TraceStore { try TraceStore(path: path ?? defaultPath) }

    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)  // other processes writing the same file
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")  // WAL: durable across process crashes
        }
        pool = try DatabasePool(path: path, configuration: config)
        try Self.migrator.migrate(pool)
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE calls (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    span_id TEXT NOT NULL, parent_span_id TEXT, started_at REAL NOT NULL,
                    kind TEXT NOT NULL, backend TEXT NOT NULL, model TEXT NOT NULL,
                    messages TEXT NOT NULL, rendered_prompt TEXT, parameters TEXT NOT NULL,
                    output TEXT, choices TEXT, finish_reason TEXT,
                    prompt_tokens INTEGER, completion_tokens INTEGER, latency REAL, ttft REAL,
                    cache_hit INTEGER NOT NULL DEFAULT 0, error TEXT, rollout_id TEXT);
                CREATE INDEX calls_parent ON calls(parent_span_id);
                CREATE INDEX calls_model ON calls(model);
                CREATE TABLE spans (
                    span_id TEXT PRIMARY KEY, parent_span_id TEXT, name TEXT NOT NULL,
                    started_at REAL NOT NULL, ended_at REAL);
                CREATE TABLE cache (
                    key TEXT PRIMARY KEY, completion TEXT NOT NULL, created_at REAL NOT NULL);
                """)
        }
        m.registerMigration("v2") { db in
            // Spans carry what a program decided (adapter, parsing layer, re-asks); evaluations
            // keep every scored run of a program.
            try db.execute(sql: """
                ALTER TABLE spans ADD COLUMN attributes TEXT;
                CREATE TABLE evaluations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, span_id TEXT, name TEXT NOT NULL,
                    model TEXT NOT NULL, started_at REAL NOT NULL, score REAL NOT NULL,
                    examples INTEGER NOT NULL, calls INTEGER NOT NULL, rows TEXT NOT NULL);
                """)
        }
        return m
    }

    // MARK: Writing

    /// Inserts `record` and returns its id; committed when this returns.
    @discardableResult
    public func record(_ record: TraceRecord) throws -> Int64 {
        var r = record
        try pool.write { db in try r.insert(db) }
        return r.id ?? 0
    }

    /// Runs `body` inside a new span named `name`, nested under the current one.
    public func span<T>(_ name: String, attributes: [String: JSONValue] = [:], _ body: () async throws -> T) async throws -> T {
        let span = SpanRecord(spanID: Span.newID(), parentSpanID: Span.current, name: name,
                              startedAt: Date().timeIntervalSince1970, endedAt: nil,
                              attributes: attributes.isEmpty ? nil : JSONValue.object(attributes).canonicalJSON)
        try insert(span)
        defer { end(span) }
        return try await Span.$current.withValue(span.spanID) { try await body() }
    }

    /// Merges `attributes` into the span's (the current span by default).
    public func annotate(_ attributes: [String: JSONValue], span id: String? = Span.current) throws {
        guard let id else { return }
        try pool.write { db in
            let old = try String.fetchOne(db, sql: "SELECT attributes FROM spans WHERE span_id = ?", arguments: [id]) ?? "{}"
            let existing = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(old.utf8))) ?? [:]
            let merged = existing.merging(attributes) { $1 }
            try db.execute(sql: "UPDATE spans SET attributes = ? WHERE span_id = ?",
                           arguments: [JSONValue.object(merged).canonicalJSON, id])
        }
    }

    /// The spans nested directly under `parent` (top-level spans for nil), oldest first.
    public func spans(under parent: String?) throws -> [SpanRecord] {
        try pool.read { db in
            try SpanRecord.fetchAll(db, sql: "SELECT * FROM spans WHERE parent_span_id IS ? ORDER BY started_at, rowid",
                                    arguments: [parent])
        }
    }

    /// The calls made directly under span `id`, in order.
    public func calls(under id: String) throws -> [TraceRecord] {
        try pool.read { db in
            try TraceRecord.fetchAll(db, sql: "SELECT * FROM calls WHERE parent_span_id = ? ORDER BY id", arguments: [id])
        }
    }

    private func insert(_ span: SpanRecord) throws {
        try pool.write { db in try span.insert(db) }
    }

    private func end(_ span: SpanRecord) {
        _ = try? pool.write { db in
            try db.execute(sql: "UPDATE spans SET ended_at = ? WHERE span_id = ?",
                           arguments: [Date().timeIntervalSince1970, span.spanID])
        }
    }

    // MARK: Cache

    func cached(_ key: String) throws -> Completion? {
        guard let text = try pool.read({ db in
            try String.fetchOne(db, sql: "SELECT completion FROM cache WHERE key = ?", arguments: [key])
        }) else { return nil }
        return try JSONDecoder().decode(Completion.self, from: Data(text.utf8))
    }

    func cache(_ completion: Completion, key: String) throws {
        let text = completion.canonicalJSON
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO cache (key, completion, created_at) VALUES (?, ?, ?)",
                           arguments: [key, text, Date().timeIntervalSince1970])
        }
    }

    // MARK: Reading

    /// The newest `limit` calls, newest first (`after`: only ids greater than it).
    public func calls(limit: Int = 50, after: Int64? = nil) throws -> [TraceRecord] {
        try pool.read { db in
            if let after {
                return try TraceRecord.filter(Column("id") > after).order(Column("id")).limit(limit).fetchAll(db)
            }
            return try TraceRecord.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    public func call(id: Int64) throws -> TraceRecord? {
        try pool.read { db in try TraceRecord.fetchOne(db, key: id) }
    }

    /// SQLite's own check of the file: "ok" when it is intact.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    public func count() throws -> Int {
        try pool.read { db in try TraceRecord.fetchCount(db) }
    }

    /// Every call in id order, `batch` at a time (export).
    public func forEachCall(batch: Int = 500, _ body: (TraceRecord) throws -> Void) throws {
        var last: Int64 = 0
        while true {
            let rows = try pool.read { db in
                try TraceRecord.filter(Column("id") > last).order(Column("id")).limit(batch).fetchAll(db)
            }
            guard let end = rows.last?.id else { return }
            for r in rows { try body(r) }
            last = end
        }
    }
}
