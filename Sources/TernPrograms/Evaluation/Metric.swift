import Foundation
import TernLM

/// A metric's verdict on one prediction: a score (1 is right, 0 wrong, or anything between) and
/// optional feedback in words, for optimizers that read it.
public struct MetricResult: Sendable, Hashable, Codable {
    public var score: Double
    public var feedback: String?
    public init(_ score: Double, feedback: String? = nil) {
        self.score = score
        self.feedback = feedback
    }
}

/// How good a prediction is for an example (which holds the labels).
///
///     let metric = Metric.exactMatch("answer")
///     let custom = Metric("close") { ex, p in MetricResult(abs((p["x"]?.number ?? 0) - (ex["x"]?.number ?? 0)) < 1 ? 1 : 0) }
public struct Metric: Sendable {
    public let name: String
    let body: @Sendable (Example, Prediction) async throws -> MetricResult

    public init(_ name: String, _ body: @escaping @Sendable (Example, Prediction) async throws -> MetricResult) {
        self.name = name
        self.body = body
    }

    public func callAsFunction(_ example: Example, _ prediction: Prediction) async throws -> MetricResult {
        try await body(example, prediction)
    }

    /// 1 when the field equals the label, comparing text case-insensitively with whitespace and
    /// end punctuation trimmed, and numbers by value.
    public static func exactMatch(_ field: String) -> Metric {
        Metric("exact_match(\(field))") { example, prediction in
            guard let label = example[field] else { return MetricResult(0, feedback: "the example has no '\(field)' label") }
            let got = prediction[field] ?? .null
            let same = normalized(label) == normalized(got)
            return MetricResult(same ? 1 : 0, feedback: same ? nil : "expected \(FieldText.render(label)), got \(FieldText.render(got))")
        }
    }

    static func normalized(_ v: JSONValue) -> String {
        if case .number(let n) = v { return JSONValue.number(n).canonicalJSON }
        let t = FieldText.render(v).lowercased().trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ".!")))
        if let n = Double(t) { return JSONValue.number(n).canonicalJSON }
        return t
    }
}
