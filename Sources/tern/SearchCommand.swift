import ArgumentParser
import Foundation
import TernLM
import TernSearch

struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Spend test-time compute on one prompt: best-of-N, weighted best-of-N, majority vote, beam search or DVTS.")

    enum Strategy: String, ExpressibleByArgument, CaseIterable {
        case bestOfN = "best-of-n", weighted, majority, beam, dvts
    }

    enum ScorerKind: String, ExpressibleByArgument, CaseIterable {
        case prm, orm
    }

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "best-of-n, weighted, majority, beam or dvts.") var strategy: Strategy = .beam
    @Option(name: .shortAndLong, help: "Samples (or beams) N, at most 16.") var n = 4
    @Option(help: "Beam width M (beam, dvts).") var width = 2
    @Option(name: .customLong("max-iterations"), help: "Most steps (beam, dvts).") var maxIterations = 4
    @Option(help: "Text that ends a step (beam, dvts).") var delimiter = "\n\n"
    @Option(name: .customLong("step-tokens"), help: "Most tokens in one step.") var stepTokens = 64
    @Option(name: .customLong("max-tokens"), help: "Most tokens in a whole sample (best-of-n, weighted, majority).") var maxTokens = 128
    @Option(help: "The judge: prm (each step) or orm (the whole solution); the same model, with its own cache.") var scorer: ScorerKind = .prm
    @Option(help: "Text put before every judge question (few-shot judged examples; with --arithmetic-problem, the experiment's).")
    var preamble: String?
    @Option(help: "Sampling temperature.") var temperature = 0.8
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Stop a sample at this text (repeatable).") var stop: [String] = []
    @Option(help: "The problem as the judge sees it (default: the prompt).") var problem: String?
    @Flag(help: "Extract the answer from \\boxed{…} instead of an 'Answer:' line.") var boxed = false
    @Flag(help: "Naive repetition: every sample is its own request and every prompt is evaluated from its first token (the baseline for forking).")
    var naive = false
    @Flag(help: "Print the result as JSON.") var json = false
    @Option(name: .customLong("arithmetic-problem"), help: "Search on problem K of `tern experiment ttc`'s seeded set (seed 1) instead of a prompt.")
    var arithmeticProblem: Int?
    @Argument(help: "The prompt the model continues.") var prompt: String?

    func validate() throws {
        guard (1...16).contains(n) else { throw ValidationError("-n must be 1 to 16") }
        guard width >= 1, maxIterations >= 1, stepTokens >= 1, maxTokens >= 1 else {
            throw ValidationError("--width, --max-iterations, --step-tokens and --max-tokens must be ≥ 1")
        }
        guard !delimiter.isEmpty else { throw ValidationError("--delimiter must not be empty") }
        guard (prompt == nil) != (arithmeticProblem == nil) else { throw ValidationError("give a prompt or --arithmetic-problem K, not both") }
        if let k = arithmeticProblem, k < 0 || k >= 1000 { throw ValidationError("--arithmetic-problem must be 0 to 999") }
    }

    /// The prompt, the problem as the judge sees it, and the right answer when known.
    private var task: (prompt: String, problem: String, truth: String?) {
        if let k = arithmeticProblem {
            let p = ArithmeticProblems.generate(count: k + 1, seed: 1)[k]
            return (ArithmeticProblems.prompt(for: p), p.question, String(p.answer))
        }
        return (prompt ?? "", problem ?? prompt ?? "", nil)
    }

    func run() async throws {
        let loaded = try modelOptions.load()
        let ctx = min(4096, loaded.model.contextLength)
        let policy = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: ctx, promptCache: !naive)
        let judge = try LocalModel(loaded: loaded, name: modelOptions.model + "-judge", contextSize: ctx, promptCache: !naive)
        let extract: AnswerExtractorFunction = boxed ? AnswerExtractor.boxed : AnswerExtractor.answerLine
        let experiment = arithmeticProblem != nil
        let reward: any Scorer = scorer == .prm
            ? ProcessRewardModel(lm: judge, preamble: preamble ?? (experiment ? TTCExperiment.prmPreamble : ""))
            : OutcomeRewardModel(lm: judge, preamble: preamble ?? (experiment ? TTCExperiment.ormPreamble : ""))
        let search: any SearchStrategy
        switch strategy {
        case .bestOfN: search = BestOfN(n: n, scorer: reward, extract: extract)
        case .weighted: search = WeightedBestOfN(n: n, scorer: reward, extract: extract)
        case .majority: search = MajorityVote(n: n, extract: extract)
        case .beam: search = BeamSearch(n: n, width: width, maxIterations: maxIterations, delimiter: delimiter, stepTokens: stepTokens,
                                        scorer: reward, extract: extract)
        case .dvts: search = DVTS(n: n, width: width, maxIterations: maxIterations, delimiter: delimiter, stepTokens: stepTokens,
                                  scorer: reward, extract: extract)
        }
        let parameters = GenerationParameters(temperature: temperature, seed: seed, maxTokens: maxTokens, stop: stop)
        let context = SearchContext(lm: policy, parameters: parameters, forks: !naive)
        let started = Date()
        let task = self.task
        let r = try await search.run(problem: task.problem, prompt: .text(task.prompt), context: context)
        let seconds = Date().timeIntervalSince(started)
        if json {
            let out: JSONValue = [
                "strategy": .string(search.name), "text": .string(r.best.text), "answer": r.best.answer.map { .string($0) } ?? .null,
                "right_answer": task.truth.map { .string($0) } ?? .null,
                "score": .number(r.best.score), "candidates": .number(Double(r.candidates.count)),
                "calls": .number(Double(r.spend.calls)), "generated_tokens": .number(Double(r.spend.generatedTokens)),
                "prefilled_tokens": .number(Double(policy.prefilledTokens)), "judge_prefilled_tokens": .number(Double(judge.prefilledTokens)),
                "seconds": .number(seconds),
            ]
            print(out.canonicalJSON)
        } else {
            print(r.best.text)
            note(String(format: "%@: answer %@, score %.3f; %d candidates, %d calls, %d tokens generated; prompt tokens evaluated: %d (policy) + %d (judge); %.1f s",
                        search.name, r.best.answer ?? "none", r.best.score, r.candidates.count, r.spend.calls, r.spend.generatedTokens,
                        policy.prefilledTokens, judge.prefilledTokens, seconds))
        }
    }
}
