import TernLM

/// Step-wise generation shared by beam search and DVTS: a partial solution is the prompt's text
/// followed by its steps; a step ends at the delimiter (kept in the step) or, for the last step,
/// at end-of-sequence or the token limit. A solution is complete when it ends other than at a
/// delimiter or when an answer can be extracted from it.
struct StepExpansion: Sendable {
    let problem: String
    let prompt: String
    let delimiter: String
    let stepTokens: Int
    let scorer: any Scorer
    let aggregation: Aggregation
    let lookahead: Int
    let extract: AnswerExtractorFunction

    init(problem: String, prompt: Prompt, delimiter: String, stepTokens: Int, scorer: any Scorer,
         aggregation: Aggregation, lookahead: Int, extract: @escaping AnswerExtractorFunction) throws {
        guard case .text(let text) = prompt else {
            throw SearchError.invalidPrompt("step-wise search continues raw text: give a .text prompt")
        }
        self.problem = problem
        self.prompt = text
        self.delimiter = delimiter
        self.stepTokens = stepTokens
        self.scorer = scorer
        self.aggregation = aggregation
        self.lookahead = lookahead
        self.extract = extract
    }

    /// `n` one-step continuations of `parent`, scored (with `lookahead` greedy steps when set).
    func expand(_ parent: Candidate, n: Int, rollout: String, context: SearchContext) async throws -> [Candidate] {
        try await expand([parent], n: n, rollouts: [rollout], context: context)[0]
    }

    /// `n` one-step continuations of each parent, sampled as one batch and scored as one batch;
    /// one list per parent.
    func expand(_ parents: [Candidate], n: Int, rollouts: [String], context: SearchContext) async throws -> [[Candidate]] {
        let prompts = parents.map { Prompt.text(prompt + $0.text) }
        let sampled = try await context.sample(prompts, n: n, stop: [delimiter], maxTokens: stepTokens, rollouts: rollouts)
        var children: [Candidate] = [], parentOf: [Int] = [], scored: [[String]] = []
        for (p, choices) in sampled.enumerated() {
            for c in choices {
                let endsStep = c.stopSequence == delimiter
                var child = Candidate(steps: parents[p].steps + [c.text + (endsStep ? delimiter : "")], complete: !endsStep)
                child.answer = extract(child.text)
                // A solution that has stated its answer is finished, even if its last step ended at a delimiter.
                if child.answer != nil { child.complete = true }
                var steps = child.steps
                if lookahead > 0 && !child.complete {
                    steps += try await greedyRollout(from: child, steps: lookahead, context: context)
                }
                children.append(child)
                parentOf.append(p)
                scored.append(steps)
            }
        }
        let scores = try await scorer.stepScores(problem: problem, solutions: scored, known: parentOf.map { parents[$0].stepScores },
                                                 context: context)
        var out = [[Candidate]](repeating: [], count: parents.count)
        for (i, var child) in children.enumerated() {
            child.stepScores = Array(scores[i].prefix(child.steps.count))
            child.score = aggregation.combine(scores[i])
            out[parentOf[i]].append(child)
        }
        return out
    }

    /// Up to `steps` greedy steps after `candidate`, for lookahead scoring only.
    private func greedyRollout(from candidate: Candidate, steps: Int, context: SearchContext) async throws -> [String] {
        var extra: [String] = []
        for _ in 0..<steps {
            let c = try await context.sample(.text(prompt + candidate.text + extra.joined()), n: 1, stop: [delimiter],
                                             maxTokens: stepTokens, temperature: 0, rollout: "lookahead")[0]
            extra.append(c.text + (c.stopSequence == delimiter ? delimiter : ""))
            if c.stopSequence != delimiter { break }
        }
        return extra
    }
}
