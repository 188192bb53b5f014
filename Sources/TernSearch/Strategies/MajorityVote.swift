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
            let candidates = try await sampleScored(n: n, problem: problem, prompt: prompt, scorer: nil, extract: extract, context: context)
            guard let best = Self.select(candidates) else { throw SearchError.noCandidates }
            let r = SearchResult(best: best, candidates: candidates, spend: context.spend)
            return (r, traced(r))
        }
    }

    /// A candidate with the most common answer (the first seen of equally common answers).
    public static func select(_ candidates: [Candidate]) -> Candidate? {
        WeightedBestOfN.select(candidates.map { var c = $0; c.score = 1; return c })
    }
}
