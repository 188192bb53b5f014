import TernLM

/// One solution a search produced: its text in steps, each step's score, its overall score and
/// the answer extracted from it.
public struct Candidate: Sendable, Hashable, Codable {
    public var steps: [String]
    public var stepScores: [Double]
    public var score: Double
    public var answer: String?
    /// Ended by itself (EOS) rather than at a step boundary or the token limit.
    public var complete: Bool

    public init(steps: [String], stepScores: [Double] = [], score: Double = 0, answer: String? = nil, complete: Bool = true) {
        self.steps = steps
        self.stepScores = stepScores
        self.score = score
        self.answer = answer
        self.complete = complete
    }

    public var text: String { steps.joined() }

    var traced: JSONValue {
        ["text": .string(text), "score": .number(score), "answer": answer.map { .string($0) } ?? .null,
         "step_scores": .array(stepScores.map { .number($0) })]
    }
}

/// The outcome of a search: the chosen candidate, every candidate considered, and the spend.
public struct SearchResult: Sendable, Hashable {
    public var best: Candidate
    public var candidates: [Candidate]
    public var spend: SearchSpend
    /// The final candidates the choice was made among (DVTS: one per subtree, in order).
    public var leaves: [Candidate]

    public init(best: Candidate, candidates: [Candidate], spend: SearchSpend, leaves: [Candidate]? = nil) {
        self.best = best
        self.candidates = candidates
        self.spend = spend
        self.leaves = leaves ?? candidates
    }
}
