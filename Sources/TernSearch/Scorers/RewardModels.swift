import Foundation
import TernLM

/// The probability an LM gives to " Yes" over " No" after each question, asked as one batch
/// (one `score` call per question): p = e^lp(Yes) / (e^lp(Yes) + e^lp(No)).
func yesProbabilities(_ questions: [String], lm: any LanguageModel, context: SearchContext) async throws -> [Double] {
    guard !questions.isEmpty else { return [] }
    let scores = try await lm.score(questions.map { .text($0) }, continuations: [" Yes", " No"])
    for _ in questions { context.charge(nil) }
    return scores.map { s in
        let yes = s[0].total, no = s[1].total, m = max(yes, no)
        return exp(yes - m) / (exp(yes - m) + exp(no - m))
    }
}

/// An outcome reward model: an LM judges the final answer. `.yesProbability` reads the
/// probability of "Yes" to "Is this solution correct?"; `.parsedScore` asks for a score from 0 to
/// 10 and parses it (for backends without log-probabilities), scaled to 0…1.
///
///     let orm = OutcomeRewardModel(lm: judge)
public struct OutcomeRewardModel: Scorer {
    public enum Mode: Sendable { case yesProbability, parsedScore }
    public let lm: any LanguageModel
    public let mode: Mode
    /// Text put before every question, e.g. judged examples for a base model to follow. A local
    /// judge evaluates it once: later questions reuse its cached keys and values.
    public let preamble: String

    public init(lm: any LanguageModel, mode: Mode = .yesProbability, preamble: String = "") {
        self.lm = lm
        self.mode = mode
        self.preamble = preamble
    }

    public func stepScores(problem: String, solutions: [[String]], known: [[Double]], context: SearchContext) async throws -> [[Double]] {
        guard mode == .yesProbability else {
            var out: [[Double]] = []
            for s in solutions { out.append(try await stepScores(problem: problem, steps: s, context: context)) }
            return out
        }
        return try await yesProbabilities(solutions.map { question(problem, $0) }, lm: lm, context: context).map { [$0] }
    }

    private func question(_ problem: String, _ steps: [String]) -> String {
        preamble + Self.question(problem: problem, solution: steps.joined())
    }

    /// The question after the preamble, answered " Yes" or " No" (a trained verifier learns it).
    public static func question(problem: String, solution: String) -> String {
        "Problem: \(problem)\nSolution: \(solution)\nIs the solution correct?"
    }

    public func stepScores(problem: String, steps: [String], context: SearchContext) async throws -> [Double] {
        switch mode {
        case .yesProbability:
            return try await yesProbabilities([question(problem, steps)], lm: lm, context: context)
        case .parsedScore:
            let c = try await lm.complete(CompletionRequest(.text(preamble +
                "Problem: \(problem)\nSolution: \(steps.joined())\nRate the solution from 0 (wrong) to 10 (right). Score:"),
                parameters: GenerationParameters(temperature: 0, maxTokens: 4)))
            context.charge(c)
            let digits = c.text.drop { !$0.isNumber }.prefix { $0.isNumber || $0 == "." }
            return [min(1, max(0, (Double(digits) ?? 0) / 10))]
        }
    }
}

/// A process reward model: an LM judges each step given the ones before it, as the probability of
/// "Yes" to "Is the last step correct?". Step scores combine with an `Aggregation`.
///
///     let prm = ProcessRewardModel(lm: judge)
///     let s = try await prm.score(problem: p, steps: steps, aggregation: .min, context: ctx)
public struct ProcessRewardModel: Scorer {
    public let lm: any LanguageModel
    /// Text put before every question (see `OutcomeRewardModel.preamble`).
    public let preamble: String
    public init(lm: any LanguageModel, preamble: String = "") {
        self.lm = lm
        self.preamble = preamble
    }

    public func stepScores(problem: String, steps: [String], context: SearchContext) async throws -> [Double] {
        try await stepScores(problem: problem, steps: steps, known: [], context: context)
    }

    public func stepScores(problem: String, steps: [String], known: [Double], context: SearchContext) async throws -> [Double] {
        try await stepScores(problem: problem, solutions: [steps], known: [known], context: context)[0]
    }

    /// Every step not yet scored, of every solution, is one question in a single batch.
    public func stepScores(problem: String, solutions: [[String]], known: [[Double]], context: SearchContext) async throws -> [[Double]] {
        var scores = zip(solutions, known).map { Array($1.prefix($0.count)) }
        var questions: [String] = [], owner: [Int] = []
        for (i, steps) in solutions.enumerated() {
            for k in scores[i].count..<steps.count {
                questions.append(preamble + Self.question(problem: problem, steps: Array(steps[...k])))
                owner.append(i)
            }
        }
        for (i, p) in zip(owner, try await yesProbabilities(questions, lm: lm, context: context)) { scores[i].append(p) }
        return scores
    }

    /// The question about the last of `steps` after the preamble, answered " Yes" or " No".
    public static func question(problem: String, steps: [String]) -> String {
        let shown = steps.enumerated().map { "Step \($0 + 1): \($1.trimmingCharacters(in: .whitespacesAndNewlines))" }
        return "Problem: \(problem)\n" + shown.joined(separator: "\n") + "\nIs the last step correct?"
    }
}
