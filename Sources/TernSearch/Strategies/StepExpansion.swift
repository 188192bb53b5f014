import TernLM

/// Step-wise generation shared by beam search and DVTS: a partial solution is the prompt's text
/// followed by its steps; a step ends at the delimiter (kept in the step) or, for the last step,
/// at end-of-sequence or the token limit.
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
        let choices = try await context.sample(.text(prompt + parent.text), n: n, stop: [delimiter], maxTokens: stepTokens, rollout: rollout)
        var out: [Candidate] = []
        for c in choices {
            let endsStep = c.stopSequence == delimiter
            var child = Candidate(steps: parent.steps + [c.text + (endsStep ? delimiter : "")], complete: !endsStep)
            var scored = child.steps
            if lookahead > 0 && endsStep {
                scored += try await greedyRollout(from: child, steps: lookahead, context: context)
            }
            let scores = try await scorer.stepScores(problem: problem, steps: scored, context: context)
            child.stepScores = Array(scores.prefix(child.steps.count))
            child.score = aggregation.combine(scores)
            child.answer = extract(child.text)
            out.append(child)
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
