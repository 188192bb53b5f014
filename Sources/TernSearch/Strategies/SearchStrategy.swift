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
        var out: [Candidate] = []
        for c in choices {
            var candidate = Candidate(steps: [c.text], answer: extract(c.text), complete: c.finishReason == .stop)
            if let scorer {
                candidate.stepScores = try await scorer.stepScores(problem: problem, steps: candidate.steps, context: context)
                candidate.score = Aggregation.last.combine(candidate.stepScores)
            }
            out.append(candidate)
        }
        return out
    }

    func traced(_ result: SearchResult) -> [String: JSONValue] {
        ["strategy": .string(name), "chosen": result.best.traced, "candidates": .array(result.candidates.map(\.traced)),
         "calls": .number(Double(result.spend.calls)), "generated_tokens": .number(Double(result.spend.generatedTokens))]
    }
}

public typealias AnswerExtractorFunction = @Sendable (String) -> String?
