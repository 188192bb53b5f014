import Foundation
import TernLM

/// The probability an LM gives to " Yes" over " No" after a question, from two `score` calls:
/// p = e^lp(Yes) / (e^lp(Yes) + e^lp(No)).
func yesProbability(_ question: String, lm: any LanguageModel, context: SearchContext) async throws -> Double {
    let yes = try await lm.score(.text(question), continuation: " Yes").total
    let no = try await lm.score(.text(question), continuation: " No").total
    context.charge(nil)
    context.charge(nil)
    let m = max(yes, no)
    return exp(yes - m) / (exp(yes - m) + exp(no - m))
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

    public init(lm: any LanguageModel, mode: Mode = .yesProbability) {
        self.lm = lm
        self.mode = mode
    }

    public func stepScores(problem: String, steps: [String], context: SearchContext) async throws -> [Double] {
        let solution = steps.joined()
        switch mode {
        case .yesProbability:
            return [try await yesProbability("Problem: \(problem)\nSolution: \(solution)\nIs this solution correct? Answer:", lm: lm, context: context)]
        case .parsedScore:
            let c = try await lm.complete(CompletionRequest(.text(
                "Problem: \(problem)\nSolution: \(solution)\nRate the solution from 0 (wrong) to 10 (right). Score:"),
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
    public init(lm: any LanguageModel) { self.lm = lm }

    public func stepScores(problem: String, steps: [String], context: SearchContext) async throws -> [Double] {
        var scores: [Double] = []
        for k in steps.indices {
            let shown = steps[...k].enumerated().map { "Step \($0 + 1): \($1.trimmingCharacters(in: .whitespacesAndNewlines))" }
            let question = "Problem: \(problem)\n" + shown.joined(separator: "\n") + "\nIs the last step correct? Answer:"
            scores.append(try await yesProbability(question, lm: lm, context: context))
        }
        return scores
    }
}
