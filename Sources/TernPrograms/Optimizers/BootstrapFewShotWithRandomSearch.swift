import TernLM

/// Tries several demo sets and keeps the one that scores best on a validation set: no demos,
/// labeled demos only, plain `BootstrapFewShot`, then `candidates` bootstraps over shuffled
/// training sets with a random number of demos (DSPy's BootstrapFewShotWithRandomSearch).
///
///     let opt = BootstrapFewShotWithRandomSearch(metric: m, candidates: 4, budget: Budget(maxCalls: 500))
public struct BootstrapFewShotWithRandomSearch: Optimizer {
    public var name: String { "BootstrapFewShotWithRandomSearch(candidates: \(candidates))" }
    public let metric: Metric
    public let candidates: Int
    public let maxBootstrappedDemos: Int
    public let maxLabeledDemos: Int
    /// Scored on this; the training set when nil.
    public let valset: [Example]?
    public let seed: UInt64
    public let budget: Budget

    public init(metric: Metric, candidates: Int = 4, maxBootstrappedDemos: Int = 4, maxLabeledDemos: Int = 16,
                valset: [Example]? = nil, seed: UInt64 = 0, budget: Budget = .unlimited) {
        self.metric = metric
        self.candidates = candidates
        self.maxBootstrappedDemos = maxBootstrappedDemos
        self.maxLabeledDemos = maxLabeledDemos
        self.valset = valset
        self.seed = seed
        self.budget = budget
    }

    public func estimate(_ program: any Module, trainset: [Example], context: ProgramContext) -> CostEstimate {
        let val = (valset ?? trainset).count
        let trials = candidates + 3
        return Cost.estimate(runs: trials * val + (candidates + 1) * trainset.count, program, trainset,
                             demos: maxLabeledDemos, context)
    }

    public func run(_ program: any Module, trainset: [Example], context: ProgramContext) async throws -> String {
        let predictors = program.namedPredictors.map(\.predictor)
        let start = program.state
        let evaluate = Evaluate(devset: valset ?? trainset, metric: metric, progress: false, name: "random-search")
        var best: (score: Double, state: [String: PredictorState], label: String)?
        var rng = SeededGenerator(seed: seed)
        trials: for trial in -3..<candidates {
            try program.load(start)
            let label: String
            do {
                switch trial {
                case -3:
                    for p in predictors { p.demos = [] }
                    label = "zero-shot"
                case -2:
                    _ = try await LabeledFewShot(k: maxLabeledDemos, seed: seed).run(program, trainset: trainset, context: context)
                    label = "labeled"
                case -1:
                    _ = try await BootstrapFewShot(metric: metric, maxBootstrappedDemos: maxBootstrappedDemos,
                                                   maxLabeledDemos: maxLabeledDemos).run(program, trainset: trainset, context: context)
                    label = "bootstrap"
                default:
                    let k = Int.random(in: 1...max(1, maxBootstrappedDemos), using: &rng)
                    _ = try await BootstrapFewShot(metric: metric, maxBootstrappedDemos: k, maxLabeledDemos: maxLabeledDemos,
                                                   threshold: 1, maxRounds: 1, teacher: nil, budget: .unlimited,
                                                   seed: rng.next()).run(program, trainset: trainset, context: context)
                    label = "bootstrap #\(trial + 1) (\(k) demos)"
                }
                let score = try await evaluate.run(program, context: context).score
                context.annotate(["trial_\(trial + 3)": .string("\(label): \(score)")])
                if best == nil || score > best!.score { best = (score, program.state, label) }
            } catch ProgramError.overBudget {
                break trials
            }
        }
        guard let best else { try program.load(start); return "the budget allowed no trial" }
        try program.load(best.state)
        return String(format: "best: %@, %.1f%% on %d validation examples", best.label, best.score, (valset ?? trainset).count)
    }
}
