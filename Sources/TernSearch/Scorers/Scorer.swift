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
    /// The same, given the scores already known for the first steps (a beam's parent): a process
    /// reward model scores only the new steps. By default everything is scored again.
    func stepScores(problem: String, steps: [String], known: [Double], context: SearchContext) async throws -> [Double]
    /// Several solutions at once (a search step's children), one list each: a reward model asks
    /// its judge all its questions as one batch. By default one solution after another.
    func stepScores(problem: String, solutions: [[String]], known: [[Double]], context: SearchContext) async throws -> [[Double]]
}

extension Scorer {
    public func stepScores(problem: String, steps: [String], known: [Double], context: SearchContext) async throws -> [Double] {
        try await stepScores(problem: problem, steps: steps, context: context)
    }

    public func stepScores(problem: String, solutions: [[String]], known: [[Double]], context: SearchContext) async throws -> [[Double]] {
        var out: [[Double]] = []
        for (steps, k) in zip(solutions, known) { out.append(try await stepScores(problem: problem, steps: steps, known: k, context: context)) }
        return out
    }

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
