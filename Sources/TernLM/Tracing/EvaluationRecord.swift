import Foundation
import GRDB

/// One scored run of a program over a dataset, as `Evaluate` stores it: the score, and per example
/// the inputs, the prediction, its score and any error (`rows`, as JSON).
public struct EvaluationRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "evaluations"
    public var id: Int64?
    public var spanID: String?
    public var name: String
    public var model: String
    public var startedAt: Double
    /// Mean metric over the examples, as a percentage.
    public var score: Double
    public var examples: Int
    public var calls: Int
    public var rows: String

    public init(spanID: String?, name: String, model: String, startedAt: Double, score: Double, examples: Int, calls: Int, rows: String) {
        self.spanID = spanID
        self.name = name
        self.model = model
        self.startedAt = startedAt
        self.score = score
        self.examples = examples
        self.calls = calls
        self.rows = rows
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, name, model, score, examples, calls, rows
        case spanID = "span_id", startedAt = "started_at"
    }
}

extension TraceStore {
    @discardableResult
    public func record(_ evaluation: EvaluationRecord) throws -> Int64 {
        var e = evaluation
        try pool.write { db in try e.insert(db) }
        return e.id ?? 0
    }

    /// The most recent evaluations, newest first.
    public func evaluations(limit: Int = 20) throws -> [EvaluationRecord] {
        try pool.read { db in
            try EvaluationRecord.fetchAll(db, sql: "SELECT * FROM evaluations ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }
}
