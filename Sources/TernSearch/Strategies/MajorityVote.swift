import TernLM

/// Self-consistency: samples N solutions and returns one with the most common answer.
public struct MajorityVote: SearchStrategy {
    public var name: String { "majority-vote-\(n)" }
    public let n: Int
    public let extract: AnswerExtractorFunction

    public init(n: Int, extract: @escaping AnswerExtractorFunction = AnswerExtractor.answerLine) {
        self.n = max(1, n)
        self.extract = extract
    }

    public func run(problem: String, prompt: Prompt, context: SearchContext) async throws -> SearchResult {
        try await context.span("search") {
            var candidates = try await sampleScored(n: n, problem: problem, prompt: prompt, scorer: nil, extract: extract, context: context)
            for i in candidates.indices { candidates[i].score = 1 }
            guard let best = WeightedBestOfN.select(candidates) else { throw SearchError.noCandidates }
            let r = SearchResult(best: best, candidates: candidates, spend: context.spend)
            return (r, traced(r))
        }
    }
}
