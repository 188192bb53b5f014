import TernLM

/// Diverse Verifier Tree Search: N/M independent subtrees, each grown greedily by the process
/// reward model (every iteration expands only the subtree's best node into M continuations), so
/// the subtrees cannot collapse onto one another as beams can. The best leaf over all subtrees wins.
///
///     let dvts = DVTS(n: 16, width: 4, scorer: ProcessRewardModel(lm: judge))
public struct DVTS: SearchStrategy {
    public var name: String { "dvts-\(n)x\(width)" }
    public let n: Int
    public let width: Int
    public let maxIterations: Int
    public let delimiter: String
    public let stepTokens: Int
    public let scorer: any Scorer
    public let aggregation: Aggregation
    public let extract: AnswerExtractorFunction

    public init(n: Int, width: Int, maxIterations: Int = 8, delimiter: String = "\n\n", stepTokens: Int = 128,
                scorer: any Scorer, aggregation: Aggregation = .last, extract: @escaping AnswerExtractorFunction = AnswerExtractor.answerLine) {
        self.n = max(1, n)
        self.width = max(1, min(width, n))
        self.maxIterations = max(1, maxIterations)
        self.delimiter = delimiter
        self.stepTokens = stepTokens
        self.scorer = scorer
        self.aggregation = aggregation
        self.extract = extract
    }

    public var subtrees: Int { max(1, n / width) }

    public func run(problem: String, prompt: Prompt, context: SearchContext) async throws -> SearchResult {
        let steps = try StepExpansion(problem: problem, prompt: prompt, delimiter: delimiter, stepTokens: stepTokens, scorer: scorer,
                                      aggregation: aggregation, lookahead: 0, extract: extract)
        return try await context.span("search") {
            var all: [Candidate] = []
            var nodes = [Candidate](repeating: Candidate(steps: [], complete: false), count: subtrees)
            // Every iteration expands the current node of each unfinished subtree, all in one batch;
            // a subtree moves only to the best of its own children.
            for iteration in 0..<maxIterations {
                let open = nodes.indices.filter { !nodes[$0].complete }
                guard !open.isEmpty else { break }
                let children = try await steps.expand(open.map { nodes[$0] }, n: width,
                                                      rollouts: open.map { "dvts-\($0)-\(iteration)" }, context: context)
                for (tree, kids) in zip(open, children) {
                    all += kids
                    if let best = kids.max(by: { $0.score < $1.score }) { nodes[tree] = best } else { nodes[tree].complete = true }
                }
            }
            guard let best = nodes.max(by: { $0.score < $1.score }) else { throw SearchError.noCandidates }
            let r = SearchResult(best: best, candidates: all, spend: context.spend, leaves: nodes)
            return (r, traced(r))
        }
    }
}
