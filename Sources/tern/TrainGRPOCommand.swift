import ArgumentParser
import Foundation
import TernCKernels
import TernEngine
import TernLM
import TernModels
import TernRL
import TernSearch
import TernStore
import TernTraining

extension Train {
    struct GRPO: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grpo",
            abstract: "Reinforcement learning with verifiable rewards (GRPO) on LoRA adapters over the quantized base.",
            discussion: """
            Each step draws --prompts-per-step problems of the task, samples --group answers to each at temperature 1 \
            (one prompt evaluation per group), scores them (--rewards), and takes --iterations optimizer steps on \
            DeepSeekMath's clipped objective with a k3 KL penalty (--beta) to the model the run started from. The \
            model is asked to reason inside <think></think> and answer inside <answer></answer>, through its chat \
            template. Writes OUT/log.jsonl (a line per step), OUT/curves.svg, OUT/checkpoint.bin (the same command \
            resumes from it) and OUT/adapter.gguf. Held-out problems (the 100 of `tern experiment ttc`) are never \
            trained on.
            """)

        @OptionGroup var modelOptions: ModelOptions
        @Option(help: "Output folder.") var out: String
        @Option(help: "What to practise: arithmetic.") var task = "arithmetic"
        @Option(help: "A trained run to start from (a folder with adapter.gguf, or an adapter file): an SFT cold start.")
        var `init`: String?
        @Option(name: .customLong("lora-rank"), help: "LoRA rank.") var loraRank = 16
        @Option(name: .customLong("lora-alpha"), help: "LoRA alpha.") var loraAlpha: Float = 32
        @Option(name: .customLong("lora-targets"), help: "Comma-separated layers to adapt: q,k,v,o,gate,up,down.")
        var loraTargets = "q,k,v,o,gate,up,down"
        @Flag(help: "Train every weight (not supported by GRPO yet: sampling runs the quantized base plus adapters).") var full = false
        @Option(help: "Answers sampled per prompt.") var group = 8
        @Option(name: .customLong("prompts-per-step"), help: "Prompts per step.") var promptsPerStep = 16
        @Option(help: "Steps.") var steps = 200
        @Option(help: "Learning rate (constant after --warmup-ratio).") var lr: Float = 1e-5
        @Option(name: .customLong("warmup-ratio"), help: "Share of the steps spent warming up.") var warmupRatio: Float = 0
        @Option(help: "Weight of the KL penalty to the starting model (0: none, and no reference pass).") var beta: Double = 0.04
        @Option(help: "Clip range of the probability ratio.") var epsilon: Double = 0.2
        @Option(help: "Optimizer steps per batch of samples.") var iterations = 1
        @Option(name: .customLong("loss-averaging"), help: "token (every answer token counts the same; default) or sequence (each answer counts the same).")
        var lossAveraging = "token"
        @Flag(name: .customLong("no-scale-rewards"), help: "Advantages are rewards minus the group's mean, not divided by its std (Dr. GRPO).")
        var noScaleRewards = false
        @Option(help: "Rewards, name=weight, comma-separated: accuracy, format, tags (partial format credit), number (last number right, no tags needed), language, length.") var rewards = "accuracy=1,format=0.5"
        @Option(name: .customLong("length-buffer"), help: "The length reward falls from 0 to -1 over the last N tokens before --max-tokens.")
        var lengthBuffer = 64
        @Option(name: .customLong("max-tokens"), help: "Tokens per answer at most.") var maxTokens = 256
        @Option(name: .customLong("batch-tokens"), help: "Tokens per training pass.") var batchTokens = 2048
        @Option(name: .customLong("eval-every"), help: "Held-out greedy accuracy every N steps.") var evalEvery = 25
        @Option(name: .customLong("held-out"), help: "Held-out problems to measure (the first N of the 100).") var heldOut = 100
        @Option(name: .customLong("checkpoint-every"), help: "A checkpoint every N steps.") var checkpointEvery = 5
        @Option(help: "Seed for prompts, sampling and LoRA initialisation.") var seed: UInt64 = 0
        @Flag(name: .customLong("eval-only"), help: "Only measure the starting model's greedy accuracy on the held-out problems (no training, nothing written).")
        var evalOnly = false
        @Option(help: "With --eval-only: also majority vote over K answers at temperature 0.8.") var majority = 0
        @Flag(name: .customLong("three-step"), help: "With --eval-only: measure on 100 three-step problems (seed 1), harder than any training draws.")
        var threeStep = false

        func run() throws {
            guard group > 1, promptsPerStep > 0, steps > 0, lr > 0, maxTokens > 0, iterations > 0 else {
                throw CommandError("--group must be at least 2; --prompts-per-step, --steps, --lr, --max-tokens and --iterations positive")
            }
            guard !full else { throw CommandError("tern train grpo trains LoRA adapters (--lora-rank); --full is not supported yet") }
            guard task == "arithmetic" else { throw CommandError("unknown --task \(task): use arithmetic") }
            guard let averaging = GRPOObjective.Averaging(rawValue: lossAveraging) else {
                throw CommandError("--loss-averaging must be token or sequence, not \(lossAveraging)")
            }
            let rewardList = try parseRewards()
            let targets = try parseLoRATargets(loraTargets)
            tern_keep_freed_memory()
            let starts = try ModelStore().resolveModel(modelOptions.model).adapters + modelOptions.lora + (try `init`.map { [try adapterFile($0)] } ?? [])
            guard starts.count <= 1 else { throw CommandError("tern train grpo starts from one adapter at a time (\(starts.joined(separator: ", ")))") }
            let loaded = try modelOptions.load(withAdapters: false)
            guard let gemma = loaded.model as? Gemma3 else {
                throw CommandError("tern train supports gemma3 models so far; \(modelOptions.model) is \(loaded.model.architecture)")
            }
            let trainer = Gemma3Training(model: gemma, mode: .lora(rank: loraRank, alpha: loraAlpha, dropout: 0, targets: Set(targets), seed: seed),
                                         integerForward: true, integerBackward: true)
            if let start = starts.first { try trainer.initialize(from: LoRAAdapter(path: start)) }
            let template = try LocalModel.chatTemplate(for: loaded)
            let tokenizer = loaded.tokenizer
            var settings = GRPOSettings()
            settings.group = group
            settings.promptsPerStep = promptsPerStep
            settings.steps = steps
            settings.learningRate = lr
            settings.warmupRatio = warmupRatio
            settings.iterations = iterations
            settings.maxTokens = maxTokens
            settings.batchTokens = batchTokens
            settings.objective = GRPOObjective(epsilon: epsilon, beta: beta, scaleRewards: !noScaleRewards, averaging: averaging)
            settings.evalEvery = evalEvery
            settings.checkpointEvery = checkpointEvery
            settings.seed = seed
            let run = GRPOTrainer(model: trainer, loaded: loaded, task: ArithmeticTask(heldOutCount: min(100, max(1, heldOut)), heldOutSteps: threeStep ? 3 : 2), rewards: rewardList, render: { p in
                tokenizer.encode(try template.render([.user(p.message)], addGenerationPrompt: true), addSpecial: true, parseSpecial: true)
            }, settings: settings, out: out, fingerprint: try fingerprint(settings, starts: starts))
            if evalOnly {
                let start = Date()
                let (accuracy, tokens) = try run.accuracy(on: run.task.heldOut)
                let kind = threeStep ? "three-step problems" : "problems"
                emit(String(format: "held-out greedy accuracy: %.1f%% of %d ", 100 * accuracy, run.task.heldOut.count) + kind
                     + String(format: " (%.0f tokens an answer), %.0f s\n", tokens, Date().timeIntervalSince(start)))
                if majority > 1 {
                    let vote = try run.majorityAccuracy(on: run.task.heldOut, samples: majority)
                    emit(String(format: "held-out majority of %d: %.1f%%, %.0f s\n", majority, 100 * vote, Date().timeIntervalSince(start)))
                }
                return
            }
            note("tern train grpo: \(task), \(steps) steps of \(promptsPerStep) prompts × \(group) answers, LoRA rank \(loraRank)"
                 + (starts.first.map { " from \($0)" } ?? "") + ", into \(out)")
            let bar = TrainingProgress(total: steps)
            var held: Double?
            try run.train { log in
                held = log.heldOutAccuracy ?? held
                bar.update(step: log.step, text: String(format: "reward %.3f acc %.2f len %.0f kl %.4f", log.reward, log.accuracy, log.responseLength, log.kl)
                           + (held.map { String(format: " held-out %.2f", $0) } ?? ""), rate: String(format: "%.0f s/step", log.seconds))
                writeCurves(GRPOTrainer.readLog(run.logPath))
            }
            bar.finish()
            try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", type: .f16, to: out + "/adapter.gguf")
            note("wrote \(out)/adapter.gguf")
        }

        /// "accuracy=1,format=0.5" as rewards.
        private func parseRewards() throws -> [Reward] {
            try rewards.split(separator: ",").map { item in
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard let weight = parts.count == 2 ? Double(parts[1]) : 1 else { throw CommandError("--rewards: '\(item)' is not name=weight") }
                switch parts[0] {
                case "accuracy": return .accuracy(weight: weight)
                case "format": return .format(weight: weight)
                case "tags": return .tags(weight: weight)
                case "number": return .lastNumber(weight: weight)
                case "language": return .languageConsistency(weight: weight)
                case "length": return .length(limit: maxTokens, buffer: lengthBuffer, weight: weight)
                default: throw CommandError("--rewards: unknown reward '\(parts[0])': use accuracy, format, tags, number, language, length")
                }
            }
        }

        private func adapterFile(_ path: String) throws -> String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CommandError("--init \(path) does not exist") }
            let file = isDirectory.boolValue ? path + "/adapter.gguf" : path
            guard FileManager.default.fileExists(atPath: file) else { throw CommandError("--init \(path) has no adapter.gguf: give a tern train output folder") }
            return file
        }

        /// Identifies the run, so that a checkpoint is only resumed by the command that wrote it.
        private func fingerprint(_ settings: GRPOSettings, starts: [String]) throws -> String {
            var sha = SHA256()
            for path in starts { sha.update(Array(FileManager.default.contents(atPath: path) ?? Data())) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let text = "\(modelOptions.model)|\(task)|lora \(loraRank) \(loraAlpha) \(Set(loraTargets.split(separator: ",")).sorted())|\(rewards)|\(lengthBuffer)|\(heldOut)|"
            sha.update(Array(text.utf8) + Array(try encoder.encode(settings)))
            return sha.finalize().hex
        }

        private func writeCurves(_ logs: [GRPOStepLog]) {
            var chart = LineChart(title: "GRPO on \(task)", xLabel: "step", yLabel: "reward · accuracy · length ÷ \(maxTokens)")
            chart.series = [
                .init(name: "reward", points: logs.map { (Double($0.step), $0.reward) }),
                .init(name: "training accuracy", points: logs.map { (Double($0.step), $0.accuracy) }),
                .init(name: "response length ÷ \(maxTokens)", points: logs.map { (Double($0.step), $0.responseLength / Double(maxTokens)) }, dashed: true),
            ]
            let held = logs.compactMap { l in l.heldOutAccuracy.map { (Double(l.step), $0) } }
            if !held.isEmpty { chart.series.append(.init(name: "held-out accuracy (greedy)", points: held)) }
            try? Data(chart.svg().utf8).write(to: URL(fileURLWithPath: out + "/curves.svg"), options: .atomic)
        }
    }
}
