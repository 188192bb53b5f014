import TernLM

/// How step scores combine into one score for a solution (process reward models score each step).
public enum Aggregation: String, Sendable, Hashable, Codable, CaseIterable {
    case last, min, prod

    public func combine(_ scores: [Double]) -> Double {
        guard !scores.isEmpty else { return 0 }
        switch self {
        case .last: return scores.last!
        case .min: return scores.min()!
        case .prod: return scores.reduce(1, *)
        }
    }
}

/// Scores a (possibly partial) solution to a problem: one score per step. Outcome scorers judge the
/// whole text and give a single score (for the last step); process reward models score every step.
public protocol Scorer: Sendable {
    func stepScores(problem: String, steps: [String], context: SearchContext) async throws -> [Double]
}

extension Scorer {
    /// One number for a solution: its step scores combined by `aggregation`.
    public func score(problem: String, steps: [String], aggregation: Aggregation = .last, context: SearchContext) async throws -> Double {
        aggregation.combine(try await stepScores(problem: problem, steps: steps, context: context))
    }
}

/// An exact check written as a closure: 1 for right, 0 for wrong, or anything between.
///
///     let verifier = VerifierScorer { _, solution in AnswerExtractor.answerLine(solution) == "42" ? 1 : 0 }
public struct VerifierScorer: Scorer {
    let check: @Sendable (String, String) -> Double
    public init(_ check: @escaping @Sendable (_ problem: String, _ solution: String) -> Double) { self.check = check }
    public func stepScores(problem: String, steps: [String], context: SearchContext) async throws -> [Double] {
        [check(problem, steps.joined())]
    }
}
