import TernLM

/// Generate → Score → Select. A strategy turns a problem (its text for scorers, and the prompt the
/// model continues) into a chosen candidate, within the context's budget, recording every
/// candidate and its score in a span.
public protocol SearchStrategy: Sendable {
    var name: String { get }
    func run(problem: String, prompt: Prompt, context: SearchContext) async throws -> SearchResult
}

extension SearchStrategy {
    /// Samples `n` whole solutions and scores each (the generate and score of the simple strategies).
    func sampleScored(n: Int, problem: String, prompt: Prompt, scorer: (any Scorer)?, extract: AnswerExtractorFunction,
                      context: SearchContext) async throws -> [Candidate] {
        let choices = try await context.sample(prompt, n: n, rollout: "\(name)")
        var out = choices.map { Candidate(steps: [$0.text], answer: extract($0.text), complete: $0.finishReason == .stop) }
        if let scorer {
            let scores = try await scorer.stepScores(problem: problem, solutions: out.map(\.steps), known: out.map { _ in [] }, context: context)
            for i in out.indices {
                out[i].stepScores = scores[i]
                out[i].score = Aggregation.last.combine(scores[i])
            }
        }
        return out
    }

    func traced(_ result: SearchResult) -> [String: JSONValue] {
        ["strategy": .string(name), "chosen": result.best.traced, "candidates": .array(result.candidates.map(\.traced)),
         "calls": .number(Double(result.spend.calls)), "generated_tokens": .number(Double(result.spend.generatedTokens))]
    }
}

public typealias AnswerExtractorFunction = @Sendable (String) -> String?
