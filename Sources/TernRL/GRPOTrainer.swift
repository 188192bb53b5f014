import Foundation
import TernEngine
import TernModels
import TernSearch
import TernTraining

/// The settings of a GRPO run.
public struct GRPOSettings: Sendable, Codable, Equatable {
    /// Answers sampled per prompt.
    public var group = 8
    public var promptsPerStep = 16
    public var steps = 200
    public var learningRate: Float = 1e-5
    public var warmupRatio: Float = 0
    public var maxGradNorm: Float = 1
    /// Optimisation steps per batch of samples (μ); after the first, the ratio to the sampling
    /// policy moves away from 1 and the clip starts to matter.
    public var iterations = 1
    /// Tokens per answer at most.
    public var maxTokens = 256
    public var objective = GRPOObjective()
    /// Tokens per training pass (whole answers are packed up to it).
    public var batchTokens = 2048
    /// Held-out accuracy (greedy) every this many steps, and after the last.
    public var evalEvery = 25
    public var checkpointEvery = 5
    public var seed: UInt64 = 0

    public init() {}
}

/// One line of a GRPO run's `log.jsonl`.
public struct GRPOStepLog: Sendable, Codable, Equatable {
    public var step: Int
    public var steps: Int
    /// Mean total reward, and the mean of each component by name.
    public var reward: Double
    public var rewards: [String: Double]
    /// Share of answers the task's verifier accepts.
    public var accuracy: Double
    /// Mean answer length in tokens.
    public var responseLength: Double
    /// Mean k3 estimate of KL(policy ‖ reference) per answer token.
    public var kl: Double
    /// Share of answer tokens whose ratio the clip decided (0 with one iteration per batch).
    public var clipFraction: Double
    /// Mean |log p_train − log p_sampler| over answer tokens: how far the training pass's numbers
    /// are from the sampler's (the same weights through other kernels; should be ~1e-3).
    public var samplerMismatch: Double
    public var gradNorm: Float
    public var learningRate: Float
    public var samplingTokensPerSecond: Double
    public var trainingTokensPerSecond: Double
    public var seconds: Double
    public var heldOutAccuracy: Double?

    enum CodingKeys: String, CodingKey {
        case step, steps, reward, rewards, accuracy, kl, seconds
        case responseLength = "response_length", clipFraction = "clip_fraction", samplerMismatch = "sampler_mismatch"
        case gradNorm = "grad_norm", learningRate = "lr", samplingTokensPerSecond = "sampling_tokens_per_s"
        case trainingTokensPerSecond = "training_tokens_per_s", heldOutAccuracy = "held_out_accuracy"
    }
}

/// One sampled answer with what training needs of it.
public struct GRPOSample: Sendable {
    public var ids: [Int]
    /// The sampler's log-probability of each id (the old policy's).
    public var logprobs: [Double]
    public var text: String
    public var finished: Bool
}

/// GRPO (DeepSeekMath) on LoRA adapters over the quantized base. Each step draws prompts from the
/// task, samples a group of answers per prompt with the engine's forked batches (one prompt
/// evaluation per group) at the adapters' current weights, scores them with the rewards, and
/// takes `iterations` optimizer steps on the clipped objective with a KL penalty to the model the
/// run started from. A checkpoint every few steps in `out`; the same command resumes from it.
///
///     let run = GRPOTrainer(model: trainer, loaded: loaded, task: ArithmeticTask(), rewards: [.accuracy(), .format()],
///                           render: { try prompt($0) }, settings: settings, out: dir, fingerprint: f)
///     try run.train { log in print(log.reward) }
public final class GRPOTrainer {
    public let model: Gemma3Training
    public let loaded: LoadedModel
    public let task: any RLTask
    public let rewards: [Reward]
    /// The prompt's token ids (the chat template's rendering of the user's message, generation prompt included).
    public let render: (TaskPrompt) throws -> [Int]
    public let settings: GRPOSettings
    public let out: String
    public let fingerprint: String
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    /// The parameters' values when the run started: the reference model of the KL penalty.
    let reference: [[Float]]

    public var checkpointPath: String { out + "/checkpoint.bin" }
    public var logPath: String { out + "/log.jsonl" }

    public init(model: Gemma3Training, loaded: LoadedModel, task: any RLTask, rewards: [Reward],
                render: @escaping (TaskPrompt) throws -> [Int], settings: GRPOSettings, out: String, fingerprint: String) {
        self.model = model
        self.loaded = loaded
        self.task = task
        self.rewards = rewards
        self.render = render
        self.settings = settings
        self.out = out
        self.fingerprint = fingerprint
        optimizer = AdamW(parameters: model.parameters, weightDecay: 0)
        schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: Int((Float(settings.steps) * settings.warmupRatio).rounded(.up)),
                                        totalSteps: settings.steps, minRate: settings.learningRate)
        reference = model.parameters.map(\.values)
    }

    // MARK: Sampling

    /// The model as it is now (base plus the adapters' current weights), for the engine.
    public func policy() throws -> LoadedModel {
        try LoadedModel(loaded, adapters: [LoRAAdapter(model.adapters, architecture: "gemma3")])
    }

    /// `group` answers to each of `prompts`, sampled at temperature 1 from the full distribution
    /// (the policy itself, as the objective assumes); answer i of prompt k has a seed of its own.
    public func sample(_ prompts: [[Int]], group: Int, seed: UInt64) throws -> [[GRPOSample]] {
        let session = Session(try policy(), contextSize: (prompts.map(\.count).max() ?? 0) + settings.maxTokens + 2)
        return try prompts.enumerated().map { k, ids in
            let options = (0..<group).map { i in
                GenerationOptions(maxTokens: settings.maxTokens, logprobs: 1,
                                  sampling: SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0,
                                                               seed: seed &* 0x9E37_79B9 &+ UInt64(k * 1000 + i)))
            }
            return try ForkedGenerator(session: session).generate(tokens: ids, options: options).map { r in
                GRPOSample(ids: r.ids + (r.endToken.map { [$0] } ?? []), logprobs: r.logprobs + (r.endLogprob.map { [$0] } ?? []),
                           text: r.text, finished: r.endToken != nil)
            }
        }
    }

    /// Greedy accuracy on `prompts` (the task's verifier on the `<answer>`), sampled in batches.
    public func accuracy(on prompts: [TaskPrompt], batch: Int = 25) throws -> (accuracy: Double, meanTokens: Double) {
        let ids = try prompts.map(render)
        let session = Session(try policy(), contextSize: (ids.map(\.count).max() ?? 0) + settings.maxTokens + 2)
        var correct = 0, tokens = 0
        for start in stride(from: 0, to: prompts.count, by: batch) {
            let range = start..<min(start + batch, prompts.count)
            let options = range.map { _ in GenerationOptions(maxTokens: settings.maxTokens, sampling: SamplingParameters(temperature: 0)) }
            let results = try ForkedGenerator(session: session).generate(prompts: Array(ids[range]), options: options)
            for (k, r) in zip(range, results) {
                tokens += r.ids.count
                if prompts[k].isCorrect(r.text) { correct += 1 }
            }
        }
        return (Double(correct) / Double(max(1, prompts.count)), Double(tokens) / Double(max(1, prompts.count)))
    }

    /// Majority-vote accuracy on `prompts`: `samples` answers to each at `temperature` (one prompt
    /// evaluation per problem, the answers decoded as one forked batch), the most frequent text
    /// inside `<answer>` wins (ties: the first drawn), checked by the verifier.
    public func majorityAccuracy(on prompts: [TaskPrompt], samples: Int, temperature: Float = 0.8, seed: UInt64 = 1) throws -> Double {
        let ids = try prompts.map(render)
        let session = Session(try policy(), contextSize: (ids.map(\.count).max() ?? 0) + settings.maxTokens + 2)
        var correct = 0
        for (k, prompt) in prompts.enumerated() {
            let options = (0..<samples).map { i in
                GenerationOptions(maxTokens: settings.maxTokens,
                                  sampling: SamplingParameters(temperature: temperature, topK: 0, topP: 1, minP: 0,
                                                               seed: seed &* 1_000_003 &+ UInt64(k * 1000 + i)))
            }
            let candidates = try ForkedGenerator(session: session).generate(tokens: ids[k], options: options).map {
                Candidate(steps: [$0.text], answer: ThinkAnswer($0.text).answer)
            }
            if let vote = MajorityVote.select(candidates)?.answer, prompt.verify(vote) { correct += 1 }
        }
        return Double(correct) / Double(max(1, prompts.count))
    }

    // MARK: Training

    /// Trains from the last checkpoint in `out` (or from the start) to `settings.steps`.
    @discardableResult
    public func train(onStep: (GRPOStepLog) throws -> Void = { _ in }) throws -> Int {
        let (first, log) = try resumeRun(out: out, checkpoint: checkpointPath, log: logPath, fingerprint: fingerprint,
                                         parameters: model.parameters, optimizer: optimizer)
        for step in first..<settings.steps {
            let entry = try self.step(step)
            if (step + 1) % max(1, settings.checkpointEvery) == 0 || step + 1 == settings.steps {
                try Checkpoint.write(to: checkpointPath, step: step + 1, fingerprint: fingerprint, parameters: model.parameters, optimizer: optimizer)
            }
            try log.append(entry)
            try onStep(entry)
        }
        return settings.steps - first
    }

    /// One step: sample, score, and optimise.
    func step(_ step: Int) throws -> GRPOStepLog {
        let start = Date(), G = settings.group
        let prompts = task.trainingPrompts(count: settings.promptsPerStep, step: step, seed: settings.seed)
        let promptIDs = try prompts.map(render)
        let samples = try sample(promptIDs, group: G, seed: settings.seed &+ UInt64(step) &* 7919)
        let sampled = Date()

        // Rewards and advantages, group by group.
        var rewardSums = [String: Double](), totals: [Double] = [], correct = 0
        var answers: [TrainingAnswer] = []
        for (k, group) in samples.enumerated() {
            var groupRewards: [Double] = []
            for s in group {
                let rollout = Rollout(prompt: prompts[k], text: s.text, tokens: s.ids.count, finished: s.finished)
                for r in rewards { rewardSums[r.name, default: 0] += r.score(rollout) }
                groupRewards.append(Reward.total(rewards, for: rollout))
                if prompts[k].isCorrect(s.text) { correct += 1 }
            }
            totals += groupRewards
            for (s, a) in zip(group, settings.objective.advantages(groupRewards)) where !s.ids.isEmpty {
                answers.append(TrainingAnswer(prompt: promptIDs[k], sample: s, advantage: a))
            }
        }
        let n = Double(max(1, totals.count))
        let weights = settings.objective.tokenWeights(lengths: answers.map(\.sample.ids.count))
        for i in answers.indices { answers[i].weight = weights[i] }
        let batches = pack(answers)

        // The reference model's log-probabilities (the parameters as the run started).
        var refs: [[Double]]? = nil
        if settings.objective.beta != 0 {
            let current = model.parameters.map(\.values)
            for (p, v) in zip(model.parameters, reference) { p.set(v) }
            refs = batches.map { b in model.tokenLosses(tokens: b.tokens, starts: b.starts, targets: b.targets, backward: false) { _, _ in 0 }.map { -$0 } }
            for (p, v) in zip(model.parameters, current) { p.set(v) }
        }

        var kl = 0.0, clipped = 0, mismatch = 0.0, counted = 0, norm: Float = 0
        let rate = schedule.rate(at: step)
        let objective = settings.objective, iterations = max(1, settings.iterations)
        for iteration in 0..<iterations {
            for p in model.parameters { p.zeroGrad() }
            for (b, batch) in batches.enumerated() {
                _ = model.tokenLosses(tokens: batch.tokens, starts: batch.starts, targets: batch.targets, backward: true) { t, nll in
                    let logp = -nll, old = batch.old[t], ref = refs?[b][t], a = batch.advantage[t]
                    if iteration == 0 {
                        if let ref { kl += objective.kl(logp: logp, ref: ref) }
                        mismatch += abs(logp - old)
                        counted += 1
                    }
                    if iteration == iterations - 1, objective.isClipped(logp: logp, old: old, advantage: a) { clipped += 1 }
                    return Float(batch.weight[t] * objective.gradient(logp: logp, old: old, ref: ref, advantage: a))
                }
            }
            norm = clipGradients(model.parameters, maxNorm: settings.maxGradNorm)
            guard norm.isFinite else { throw TrainingError("the gradients became \(norm.isNaN ? "NaN" : "infinite") at step \(step + 1): lower --lr") }
            optimizer.step(learningRate: rate)
        }
        let end = Date()
        let answerTokens = answers.reduce(0) { $0 + $1.sample.ids.count }  // = every sampled token (empty answers add none)
        let trainedTokens = batches.reduce(0) { $0 + $1.tokens.count } * (iterations + (refs == nil ? 0 : 1))
        var entry = GRPOStepLog(
            step: step + 1, steps: settings.steps, reward: totals.reduce(0, +) / n, rewards: rewardSums.mapValues { $0 / n },
            accuracy: Double(correct) / n, responseLength: Double(answerTokens) / n,
            kl: kl / Double(max(1, counted)), clipFraction: Double(clipped) / Double(max(1, answerTokens)),
            samplerMismatch: mismatch / Double(max(1, counted)), gradNorm: norm, learningRate: rate,
            samplingTokensPerSecond: Double(answerTokens) / max(1e-9, sampled.timeIntervalSince(start)),
            trainingTokensPerSecond: Double(trainedTokens) / max(1e-9, end.timeIntervalSince(sampled)),
            seconds: end.timeIntervalSince(start))
        if (step + 1) % max(1, settings.evalEvery) == 0 || step + 1 == settings.steps {
            entry.heldOutAccuracy = try accuracy(on: task.heldOut).accuracy
        }
        return entry
    }

    /// Reads a run's log.
    public static func readLog(_ path: String) -> [GRPOStepLog] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONDecoder().decode(GRPOStepLog.self, from: Data($0.utf8))
        }
    }

    /// One answer to train on.
    struct TrainingAnswer {
        var prompt: [Int]
        var sample: GRPOSample
        var advantage: Double
        var weight = 0.0
    }

    /// Answers packed into training passes: each token of an answer carries its old
    /// log-probability, its answer's advantage and its weight in the loss.
    struct Batch {
        var tokens: [Int] = [], starts: [Int] = [], targets: [Int] = []
        var old: [Double] = [], advantage: [Double] = [], weight: [Double] = []
    }

    func pack(_ answers: [TrainingAnswer]) -> [Batch] {
        var batches: [Batch] = [], current = Batch()
        for s in answers {
            let tokens = s.prompt + s.sample.ids
            if !current.tokens.isEmpty && current.tokens.count + tokens.count > settings.batchTokens {
                batches.append(current)
                current = Batch()
            }
            let first = current.tokens.count, answerStart = s.prompt.count - 1
            current.tokens += tokens
            current.starts += Array(repeating: first, count: tokens.count)
            // Position t predicts token t + 1: the answer's tokens are targets from the prompt's last token on.
            for t in 0..<tokens.count {
                let j = t - answerStart
                let inAnswer = j >= 0 && j < s.sample.ids.count
                current.targets.append(inAnswer ? s.sample.ids[j] : -1)
                current.old.append(inAnswer ? s.sample.logprobs[j] : 0)
                current.advantage.append(inAnswer ? s.advantage : 0)
                current.weight.append(inAnswer ? s.weight : 0)
            }
        }
        if !current.tokens.isEmpty { batches.append(current) }
        return batches
    }
}
