import TernLM

/// Beam search over steps with a process reward model (as in Hugging Face's "scaling test-time
/// compute" recipe): N beams; each iteration every kept beam is expanded into M continuations of
/// one step, all are scored, and the best N/M are kept; beams that end by themselves are set
/// aside as finished. Stops after `maxIterations` or when N beams have finished; the best-scored
/// finished beam wins (active ones only if none finished).
///
///     let beam = BeamSearch(n: 8, width: 4, scorer: ProcessRewardModel(lm: judge))
///     let r = try await beam.run(problem: q, prompt: .text(prompt), context: SearchContext(lm: model))
public struct BeamSearch: SearchStrategy {
    public var name: String { "beam-search-\(n)x\(width)" }
    public let n: Int
    public let width: Int
    public let maxIterations: Int
    public let lookahead: Int
    public let delimiter: String
    public let stepTokens: Int
    public let scorer: any Scorer
    public let aggregation: Aggregation
    public let extract: AnswerExtractorFunction

    public init(n: Int, width: Int, maxIterations: Int = 8, lookahead: Int = 0, delimiter: String = "\n\n", stepTokens: Int = 128,
                scorer: any Scorer, aggregation: Aggregation = .last, extract: @escaping AnswerExtractorFunction = AnswerExtractor.answerLine) {
        self.n = max(1, n)
        self.width = max(1, min(width, n))
        self.maxIterations = max(1, maxIterations)
        self.lookahead = lookahead
        self.delimiter = delimiter
        self.stepTokens = stepTokens
        self.scorer = scorer
        self.aggregation = aggregation
        self.extract = extract
    }

    /// How many beams survive each iteration.
    public var keep: Int { max(1, n / width) }

    public func run(problem: String, prompt: Prompt, context: SearchContext) async throws -> SearchResult {
        let steps = try StepExpansion(problem: problem, prompt: prompt, delimiter: delimiter, stepTokens: stepTokens, scorer: scorer,
                                      aggregation: aggregation, lookahead: lookahead, extract: extract)
        return try await context.span("search") {
            var all: [Candidate] = [], finished: [Candidate] = []
            // The first iteration samples all N first steps from the prompt itself.
            var frontier = try await steps.expand(Candidate(steps: [], complete: false), n: n, rollout: "beam-0", context: context)
            for iteration in 1...maxIterations {
                all += frontier
                finished += frontier.filter(\.complete)
                let active = frontier.filter { !$0.complete }.sorted { $0.score > $1.score }
                if finished.count >= n || active.isEmpty || iteration == maxIterations { frontier = active; break }
                // The kept beams are expanded together: one batch on the local engine.
                let kept = Array(active.prefix(keep))
                frontier = try await steps.expand(kept, n: width, rollouts: kept.indices.map { "beam-\(iteration)-\($0)" },
                                                  context: context).flatMap { $0 }
            }
            let pool = finished.isEmpty ? frontier : finished
            guard let best = pool.max(by: { $0.score < $1.score }) else { throw SearchError.noCandidates }
            let r = SearchResult(best: best, candidates: all, spend: context.spend, leaves: pool)
            return (r, traced(r))
        }
    }
}
