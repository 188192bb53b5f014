import TernLM

/// Runs a teacher (the program itself with labeled demos, or the same program on another model)
/// over the training set and keeps, as demos, what each predictor was asked and answered on the
/// runs that pass the metric; remaining slots are filled with labeled examples (DSPy's
/// BootstrapFewShot).
///
///     let opt = BootstrapFewShot(metric: .exactMatch("label"), maxBootstrappedDemos: 4, budget: Budget(maxCalls: 200))
///     try await opt.compile(program, trainset: train, context: ctx)
public struct BootstrapFewShot: Optimizer {
    public var name: String { "BootstrapFewShot" }
    public let metric: Metric
    public let maxBootstrappedDemos: Int
    public let maxLabeledDemos: Int
    /// A run counts when its metric score is at least this.
    public let threshold: Double
    /// Passes over the training set; later rounds sample at temperature 1 to find new passing runs.
    public let maxRounds: Int
    /// Another model to bootstrap from (a stronger teacher); nil uses the program's own.
    public let teacher: (any LanguageModel)?
    public let budget: Budget
    let seed: UInt64?

    public init(metric: Metric, maxBootstrappedDemos: Int = 4, maxLabeledDemos: Int = 16, threshold: Double = 1,
                maxRounds: Int = 1, teacher: (any LanguageModel)? = nil, budget: Budget = .unlimited) {
        self.init(metric: metric, maxBootstrappedDemos: maxBootstrappedDemos, maxLabeledDemos: maxLabeledDemos,
                  threshold: threshold, maxRounds: maxRounds, teacher: teacher, budget: budget, seed: nil)
    }

    init(metric: Metric, maxBootstrappedDemos: Int, maxLabeledDemos: Int, threshold: Double, maxRounds: Int,
         teacher: (any LanguageModel)?, budget: Budget, seed: UInt64?) {
        self.metric = metric
        self.maxBootstrappedDemos = maxBootstrappedDemos
        self.maxLabeledDemos = maxLabeledDemos
        self.threshold = threshold
        self.maxRounds = max(1, maxRounds)
        self.teacher = teacher
        self.budget = budget
        self.seed = seed
    }

    public func estimate(_ program: any Module, trainset: [Example], context: ProgramContext) -> CostEstimate {
        Cost.estimate(runs: trainset.count * maxRounds, program, trainset, demos: maxLabeledDemos, context)
    }

    public func run(_ program: any Module, trainset: [Example], context: ProgramContext) async throws -> String {
        var train = trainset
        if let seed {
            var rng = SeededGenerator(seed: seed)
            train.shuffle(using: &rng)
        }
        let predictors = program.namedPredictors.map(\.predictor)
        let original = predictors.map(\.state)
        // The teacher sees labeled demos (it knows the format even when zero-shot it would not).
        let labeled = Array(train.prefix(maxLabeledDemos))
        for p in predictors where p.demos.isEmpty { p.demos = labeled }

        var bootstrapped: [ObjectIdentifier: [Example]] = [:]
        var used = Set<Int>()
        var passes = 0, tried = 0
        var teacherContext = context
        if let teacher { teacherContext = context.with(lm: teacher) }
        rounds: for round in 0..<maxRounds {
            for (i, example) in train.enumerated() where !used.contains(i) {
                if passes >= maxBootstrappedDemos { break rounds }
                let recorder = PredictionRecorder()
                var ctx = round == 0 ? teacherContext : teacherContext.with(temperature: 1, rollout: "bootstrap-\(round)")
                ctx.recorder = recorder
                // The example itself must not be among the teacher's demos.
                let saved = predictors.map(\.demos)
                for p in predictors { p.demos = p.demos.filter { $0 != example } }
                defer { for (p, d) in zip(predictors, saved) { p.demos = d } }
                tried += 1
                do {
                    let prediction = try await program.forward(example, context: ctx)
                    guard try await metric(example, prediction).score >= threshold else { continue }
                } catch let e as ProgramError {
                    if case .overBudget = e { break rounds }
                    throw e
                } catch {
                    continue  // a reply that never parsed is simply not a demo
                }
                used.insert(i)
                passes += 1
                for entry in recorder.entries { bootstrapped[entry.predictor, default: []].append(entry.example) }
            }
        }
        // Final demos: the bootstrapped traces, then labeled examples not already used.
        let rest = train.enumerated().filter { !used.contains($0.offset) }.map(\.element)
        for (p, state) in zip(predictors, original) {
            let boot = Array((bootstrapped[ObjectIdentifier(p)] ?? []).prefix(maxBootstrappedDemos))
            p.state = PredictorState(instructions: state.instructions,
                                     demos: boot + rest.prefix(max(0, maxLabeledDemos - boot.count)))
        }
        return "\(passes) of \(tried) teacher runs passed; \(passes) bootstrapped + up to \(max(0, maxLabeledDemos - passes)) labeled demos"
    }
}
