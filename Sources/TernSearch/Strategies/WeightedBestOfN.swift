import TernLM

/// Samples N solutions, scores each, and sums the scores of candidates with the same answer; the
/// answer with the highest sum wins (its best-scored candidate is returned). With a constant
/// scorer this is majority voting.
public struct WeightedBestOfN: SearchStrategy {
    public var name: String { "weighted-best-of-\(n)" }
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

    /// The best candidate of the answer with the highest summed score (first seen wins ties);
    /// candidates without an answer only win when no candidate has one.
    public static func select(_ candidates: [Candidate]) -> Candidate? {
        var totals: [String: Double] = [:], order: [String] = []
        for c in candidates {
            guard let a = c.answer else { continue }
            if totals[a] == nil { order.append(a) }
            totals[a, default: 0] += c.score
        }
        guard let answer = order.max(by: { totals[$0]! < totals[$1]! || (totals[$0]! == totals[$1]! && order.firstIndex(of: $0)! > order.firstIndex(of: $1)!) })
        else { return candidates.first }
        return candidates.filter { $0.answer == answer }.max { $0.score < $1.score }
    }
}
