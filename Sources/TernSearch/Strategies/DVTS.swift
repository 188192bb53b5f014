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
            var all: [Candidate] = [], leaves: [Candidate] = []
            for tree in 0..<subtrees {
                var node = Candidate(steps: [], complete: false)
                for iteration in 0..<maxIterations {
                    let children = try await steps.expand(node, n: width, rollout: "dvts-\(tree)-\(iteration)", context: context)
                    all += children
                    guard let best = children.max(by: { $0.score < $1.score }) else { break }
                    node = best
                    if best.complete { break }
                }
                leaves.append(node)
            }
            guard let best = leaves.max(by: { $0.score < $1.score }) else { throw SearchError.noCandidates }
            let r = SearchResult(best: best, candidates: all, spend: context.spend)
            return (r, traced(r))
        }
    }
}
