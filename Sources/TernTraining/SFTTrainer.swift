import Foundation

/// The optimisation settings of a supervised fine-tuning run.
public struct SFTSettings: Sendable, Codable, Equatable {
    public var learningRate: Float = 2e-4
    public var warmupRatio: Float = 0.05
    public var weightDecay: Float = 0
    public var maxGradNorm: Float = 1
    /// Held-out loss every this many steps (and after the last).
    public var evalEvery: Int = 50
    /// A checkpoint every this many steps (and after the last).
    public var checkpointEvery: Int = 10
    /// The weight in the loss of each assistant turn's first token: the turn's decision (call a
    /// function or answer in text, say), otherwise one token among dozens. 1 weighs it as any other.
    public var firstTokenWeight: Float = 1

    public init() {}
}

/// One line of `log.jsonl`: what a step did.
public struct StepLog: Sendable, Codable, Equatable {
    public var step: Int
    public var steps: Int
    public var loss: Double
    public var learningRate: Float
    public var gradNorm: Float
    public var tokens: Int
    public var tokensPerSecond: Double
    public var evalLoss: Double?

    enum CodingKeys: String, CodingKey {
        case step, steps, loss, tokens
        case learningRate = "lr", gradNorm = "grad_norm", tokensPerSecond = "tokens_per_s", evalLoss = "eval_loss"
    }
}

/// Supervised fine-tuning: for each planned step, the micro-batches' gradients accumulated
/// (loss averaged over the step's target tokens), clipped, and applied by AdamW on a warm-up +
/// cosine schedule; held-out loss now and then; a checkpoint every few steps in `out`, from
/// which a run started again with the same command resumes and ends with the same weights.
///
///     let run = SFTTrainer(model: trainer, plan: plan, eval: held, settings: settings, out: dir, fingerprint: f)
///     try run.train { log in print(log.loss) }
public final class SFTTrainer {
    public let model: Gemma3Training
    public let plan: SFTPlan
    public let eval: [PackedBatch]
    public let settings: SFTSettings
    public let out: String
    public let fingerprint: String
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule

    public var checkpointPath: String { out + "/checkpoint.bin" }
    public var logPath: String { out + "/log.jsonl" }

    public init(model: Gemma3Training, plan: SFTPlan, eval: [PackedBatch] = [], settings: SFTSettings, out: String, fingerprint: String) {
        self.model = model
        self.plan = plan
        self.eval = eval
        self.settings = settings
        self.out = out
        self.fingerprint = fingerprint
        optimizer = AdamW(parameters: model.parameters, weightDecay: settings.weightDecay)
        let total = plan.steps.count
        schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: Int((Float(total) * settings.warmupRatio).rounded(.up)),
                                        totalSteps: total)
    }

    /// The mean loss per target token over `batches`, without gradients.
    public func loss(_ batches: [PackedBatch]) -> Double {
        var nll = 0.0, count = 0
        for b in batches {
            nll += model.run(tokens: b.tokens, starts: b.starts, targets: b.targets, backward: false)
            count += b.targetCount
        }
        return count > 0 ? nll / Double(count) : .nan
    }

    /// Adds a step's gradient to the parameters': the loss averaged over its target tokens, each
    /// assistant turn's first token counted `settings.firstTokenWeight` times. Returns the summed
    /// (unweighted) loss.
    public func accumulateGradients(_ s: TrainingStep) -> Double {
        let scale = 1 / Float(max(1, s.targetCount)), first = scale * settings.firstTokenWeight
        var nll = 0.0
        for b in s.batches {
            // A target whose position before has none opens an assistant turn.
            nll += model.tokenLosses(tokens: b.tokens, starts: b.starts, targets: b.targets, backward: true) { t, _ in
                t == 0 || b.targets[t - 1] < 0 ? first : scale
            }.reduce(0, +)
        }
        return nll
    }

    /// Trains from the last checkpoint in `out` (or from the start) to the end of the plan.
    /// `onStep` sees every step's log line. Returns the steps taken in this call.
    @discardableResult
    public func train(onStep: (StepLog) throws -> Void = { _ in }) throws -> Int {
        let (first, log) = try resumeRun(out: out, checkpoint: checkpointPath, log: logPath, fingerprint: fingerprint,
                                         parameters: model.parameters, optimizer: optimizer)
        var saved = first
        for step in first..<plan.steps.count {
            let s = plan.steps[step], start = Date()
            for p in model.parameters { p.zeroGrad() }
            model.reseedDropout(step: step)
            let nll = accumulateGradients(s)
            let mean = nll / Double(max(1, s.targetCount))
            let norm = clipGradients(model.parameters, maxNorm: settings.maxGradNorm)
            guard mean.isFinite, norm.isFinite else {
                throw TrainingError("the loss became \(mean.isNaN || norm.isNaN ? "NaN" : "infinite") at step \(step + 1): lower --lr; "
                                    + (saved > 0 ? "the checkpoint after step \(saved) in \(out) is kept" : "no checkpoint was written"))
            }
            let rate = schedule.rate(at: step)
            optimizer.step(learningRate: rate)
            let last = step + 1 == plan.steps.count
            var entry = StepLog(step: step + 1, steps: plan.steps.count, loss: mean, learningRate: rate, gradNorm: norm,
                                tokens: s.tokenCount, tokensPerSecond: Double(s.tokenCount) / max(1e-9, Date().timeIntervalSince(start)))
            if !eval.isEmpty, (step + 1) % max(1, settings.evalEvery) == 0 || last { entry.evalLoss = self.loss(eval) }
            if (step + 1) % max(1, settings.checkpointEvery) == 0 || last {
                try Checkpoint.write(to: checkpointPath, step: step + 1, fingerprint: fingerprint, parameters: model.parameters, optimizer: optimizer)
                saved = step + 1
            }
            try log.append(entry)
            try onStep(entry)
        }
        return plan.steps.count - first
    }

    /// Reads a run's log.
    public static func readLog(_ path: String) -> [StepLog] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONDecoder().decode(StepLog.self, from: Data($0.utf8))
        }
    }
}

/// Appends one JSON line per step, flushed as it goes.
public final class LogWriter {
    let handle: FileHandle

    public init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { throw TrainingError("cannot write \(path): check the --out folder") }
        h.seekToEndOfFile()
        handle = h
    }

    deinit { try? handle.close() }

    public func append<Entry: Encodable>(_ entry: Entry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        handle.write(try encoder.encode(entry) + Data("\n".utf8))
    }

    /// Keeps the lines of the log at `path` whose "step" is at most `step` (a run killed after its
    /// last checkpoint may have logged more steps than it will resume from).
    public static func trim(_ path: String, toStep step: Int) throws {
        struct Step: Decodable { var step: Int }
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let decoder = JSONDecoder()
        let kept = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { line in
            (try? decoder.decode(Step.self, from: Data(line.utf8)))?.step ?? .max <= step
        }
        let text = kept.map { $0 + "\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
