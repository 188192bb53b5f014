import TernLM

/// Samples N solutions, scores each, keeps the best.
public struct BestOfN: SearchStrategy {
    public var name: String { "best-of-\(n)" }
    public let n: Int
    public let scorer: any Scorer
    public let extract: AnswerExtractorFunction

    public init(n: Int, scorer: any Scorer, extract: @escaping AnswerExtractorFunction = AnswerExtractor.answerLine) {
        self.n = max(1, n)
        self.scorer = scorer
        self.extract = extract
    }

    public func run(problem: String, prompt: Prompt, context: SearchContext) async throws -> SearchResult {
        try await context.span("search") {
            let candidates = try await sampleScored(n: n, problem: problem, prompt: prompt, scorer: scorer, extract: extract, context: context)
            guard let best = Self.select(candidates) else { throw SearchError.noCandidates }
            let r = SearchResult(best: best, candidates: candidates, spend: context.spend)
            return (r, traced(r))
        }
    }

    /// The best-scored candidate; the first of equal scores wins, so the choice is deterministic.
    public static func select(_ candidates: [Candidate]) -> Candidate? {
        candidates.enumerated().max(by: { $0.element.score < $1.element.score || ($0.element.score == $1.element.score && $0.offset > $1.offset) })?.element
    }
}
