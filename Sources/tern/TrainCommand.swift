import ArgumentParser
import Foundation
import TernCKernels
import TernEngine
import TernLM
import TernModels
import TernSearch
import TernStore
import TernTraining

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on the CPU.", subcommands: [SFT.self, Mix.self, GRPO.self])

    struct SFT: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sft",
            abstract: "Supervised fine-tuning (LoRA on the quantized base, or --full) on chat or prompt/completion JSONL.",
            discussion: """
            Data: one JSON object a line, {"messages": [{"role", "content"}, …]} (loss on the assistant's turns, \
            rendered with the model's chat template) or {"prompt", "completion"} (loss on the completion). \
            Writes OUT/log.jsonl (a line per step), OUT/loss.svg, OUT/checkpoint.bin (every few steps: the same \
            command started again resumes from it) and, for LoRA, OUT/adapter.gguf in llama.cpp's adapter format and \
            OUT/peft (adapter_model.safetensors + adapter_config.json) for Hugging Face PEFT; with --full, OUT/model.gguf.
            """)

        @OptionGroup var modelOptions: ModelOptions
        @Option(help: "Training data (JSONL).") var data: String
        @Option(help: "Held-out data (JSONL) for the eval loss.") var eval: String?
        @Option(help: "Output folder.") var out: String
        @Option(name: .customLong("lora-rank"), help: "LoRA rank.") var loraRank = 16
        @Option(name: .customLong("lora-alpha"), help: "LoRA alpha (the update is scaled by alpha / rank).") var loraAlpha: Float = 32
        @Option(name: .customLong("lora-dropout"), help: "Dropout on the adapters' input.") var loraDropout: Float = 0.05
        @Option(name: .customLong("lora-targets"), help: "Comma-separated layers to adapt: q,k,v,o,gate,up,down.")
        var loraTargets = "q,k,v,o,gate,up,down"
        @Flag(help: "Full fine-tuning: every weight in float with AdamW state (about 16 bytes per parameter).") var full = false
        @Option(help: "Passes over the data.") var epochs = 2
        @Option(help: "Peak learning rate.") var lr: Float = 2e-4
        @Option(name: .customLong("warmup-ratio"), help: "Share of the steps spent warming up.") var warmupRatio: Float = 0.05
        @Option(name: .customLong("weight-decay"), help: "AdamW's decoupled weight decay.") var weightDecay: Float = 0
        @Option(name: .customLong("first-token-weight"), help: "Weight in the loss of each assistant turn's first token (its decision: call a function or answer in text).")
        var firstTokenWeight: Float = 1
        @Option(name: .customLong("max-grad-norm"), help: "Clip the gradients' global norm to this.") var maxGradNorm: Float = 1
        @Option(help: "Tokens per sequence; longer examples are cut to it.") var ctx = 512
        @Option(name: .customLong("batch-tokens"), help: "Tokens per optimizer step (micro-batches of --ctx are accumulated).")
        var batchTokens = 4096
        @Option(name: .customLong("eval-every"), help: "Held-out loss every N steps.") var evalEvery = 50
        @Option(name: .customLong("checkpoint-every"), help: "A checkpoint every N steps.") var checkpointEvery = 10
        @Option(help: "Seed for shuffling, LoRA initialisation and dropout.") var seed: UInt64 = 0
        @Option(name: .customLong("max-steps"), help: "Stop after this many steps (a quick or benchmark run).") var maxSteps: Int?
        @Flag(name: .customLong("float-forward"), help: "LoRA: run the frozen base's products, forward and backward, in float on dequantized weights (as PyTorch on a dequantized model; slower) instead of the integer kernels inference uses.")
        var floatForward = false
        @Flag(name: .customLong("float-backward"), help: "LoRA: keep the integer forward but take the frozen base's input gradients in float (without the Q8_0 copies of the transposed matrices, about 0.3 GB less).")
        var floatBackward = false
        @Option(name: .customLong("adapter-type"), help: "Number type of OUT/adapter.gguf: f32, or f16 (half the size).") var adapterType = "f32"

        func run() throws {
            guard ctx > 1, batchTokens > 0, epochs > 0, lr > 0, firstTokenWeight > 0 else {
                throw CommandError("--ctx, --batch-tokens, --epochs, --lr and --first-token-weight must be positive")
            }
            let targets = try parseLoRATargets(loraTargets)
            guard adapterType == "f32" || adapterType == "f16" else { throw CommandError("--adapter-type must be f32 or f16, not \(adapterType)") }
            // Every step allocates and frees the same large activation buffers: kept in the heap,
            // they are reused instead of faulted in and cleared anew.
            tern_keep_freed_memory()
            // An adapter to start from: --lora, or a tuned model's own (gemma3-270m-it).
            let starts = try ModelStore().resolveModel(modelOptions.model).adapters + modelOptions.lora
            guard starts.count <= 1, !(full && !starts.isEmpty) else {
                throw CommandError(full ? "--full trains every weight of the base; --lora (an adapter to continue) is for LoRA runs"
                                        : "tern train sft continues from one adapter at a time (\(starts.joined(separator: ", ")))")
            }
            let examples = try SFTData.read(data), held = try eval.map(SFTData.read) ?? []
            let loaded = try modelOptions.load()
            guard let gemma = loaded.model as? Gemma3 else {
                throw CommandError("tern train supports gemma3 models so far; \(modelOptions.model) is \(loaded.model.architecture)")
            }
            let encoder = SFTEncoder(tokenizer: loaded.tokenizer, template: try LocalModel.chatTemplate(for: loaded))
            let plan = SFTPlan(examples: try examples.map(encoder.encode), context: ctx, batchTokens: batchTokens, epochs: epochs, seed: seed,
                              maxSteps: maxSteps)
            let heldBatches = SFTPlan(examples: try held.map(encoder.encode), context: ctx, batchTokens: ctx, epochs: 1, seed: 0)
                .steps.flatMap(\.batches)
            guard !plan.steps.isEmpty else { throw CommandError("\(data): no example kept a token to learn within --ctx \(ctx)") }
            let mode: TrainingMode = full ? .full
                : .lora(rank: loraRank, alpha: loraAlpha, dropout: loraDropout, targets: Set(targets), seed: seed)
            let trainer = Gemma3Training(model: gemma, mode: mode, integerForward: !floatForward, integerBackward: !floatForward && !floatBackward)
            if let start = starts.first { try trainer.initialize(from: LoRAAdapter(path: start)) }
            var settings = SFTSettings()
            settings.learningRate = lr
            settings.warmupRatio = warmupRatio
            settings.weightDecay = weightDecay
            settings.maxGradNorm = maxGradNorm
            settings.firstTokenWeight = firstTokenWeight
            settings.evalEvery = evalEvery
            settings.checkpointEvery = checkpointEvery
            let run = SFTTrainer(model: trainer, plan: plan, eval: heldBatches, settings: settings, out: out,
                                 fingerprint: fingerprint(settings: settings, starts: starts))
            let counts = [plan.truncated > 0 ? "\(plan.truncated) cut to \(ctx) tokens" : nil,
                          plan.skipped > 0 ? "\(plan.skipped) skipped (nothing to learn within \(ctx) tokens)" : nil].compactMap { $0 }
            note("tern train sft: \(examples.count) examples\(counts.isEmpty ? "" : " (" + counts.joined(separator: ", ") + ")"), "
                 + "\(plan.steps.count) steps, \(trainer.parameters.reduce(0) { $0 + $1.count }) trained weights "
                 + "(\(full ? "full" : "LoRA rank \(loraRank)")), into \(out)")
            let bar = TrainingProgress(total: plan.steps.count)
            try run.train { log in
                bar.update(log)
                if log.step % 5 == 0 || log.step == log.steps { writeChart(SFTTrainer.readLog(run.logPath)) }
            }
            bar.finish()
            if case .full = mode {
                try AdapterMerge.write(base: loaded.file, parameters: trainer.parameters, type: .q8_0, to: out + "/model.gguf")
                note("wrote \(out)/model.gguf (the trained weights as Q8_0, norms as F32)")
            }
            if case .lora = mode {
                try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", type: adapterType == "f16" ? .f16 : .f32, to: out + "/adapter.gguf")
                // The Hugging Face name of the default model, for PEFT's base_model_name_or_path.
                let base = modelOptions.model == ModelStore.defaultModelName ? "google/gemma-3-270m" : modelOptions.model
                try AdapterPEFT.write(trainer.adapters, baseModel: base, dropout: loraDropout, to: out + "/peft")
                note("wrote \(out)/adapter.gguf (llama.cpp) and \(out)/peft (PEFT)")
            }
        }

        /// Identifies the run, so that a checkpoint is only resumed by the command that wrote it.
        private func fingerprint(settings: SFTSettings, starts: [String]) -> String {
            var sha = SHA256()
            for path in [data] + (eval.map { [$0] } ?? []) + starts { sha.update(Array(FileManager.default.contents(atPath: path) ?? Data())) }
            // Spelled out: a Set's order (LoRA targets) differs from process to process.
            let how = full ? "full" : "lora \(loraRank) \(loraAlpha) \(loraDropout) \(Set(loraTargets.split(separator: ",")).sorted())"
                + (floatForward ? " float" : "") + (floatBackward ? " float-backward" : "")
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let text = "\(modelOptions.model)|\(how)|\(ctx)|\(batchTokens)|\(epochs)|\(seed)|\(maxSteps ?? -1)|"
            sha.update(Array(text.utf8) + Array((try? encoder.encode(settings)) ?? Data()))
            return sha.finalize().hex
        }

        private func writeChart(_ logs: [StepLog]) {
            var chart = LineChart(title: "Training loss", xLabel: "step", yLabel: "loss per target token")
            chart.series = [.init(name: "train", points: logs.map { (Double($0.step), $0.loss) })]
            let evals = logs.compactMap { l in l.evalLoss.map { (Double(l.step), $0) } }
            if !evals.isEmpty { chart.series.append(.init(name: "held-out", points: evals, dashed: true)) }
            try? Data(chart.svg().utf8).write(to: URL(fileURLWithPath: out + "/loss.svg"), options: .atomic)
        }
    }
}

/// `--lora-targets` ("q,k,v") as targets, or a one-line error naming the bad entry.
func parseLoRATargets(_ list: String) throws -> [LoRATarget] {
    try list.split(separator: ",").map { name in
        guard let t = LoRATarget(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
            throw CommandError("unknown --lora-targets entry '\(name)': use q, k, v, o, gate, up, down")
        }
        return t
    }
}

/// One line on stderr per step: a bar, the step, what the caller reports and the time left;
/// redrawn in place on a terminal.
final class TrainingProgress {
    let total: Int
    let start = Date()
    let inPlace = isatty(STDERR_FILENO) != 0
    var firstStep: Int?
    var lastEval: Double?

    init(total: Int) { self.total = total }

    /// `text` follows "step/total"; `rate` (per second, with its unit) precedes the time left.
    func update(step: Int, text: String, rate: String) {
        if firstStep == nil { firstStep = step - 1 }
        let done = step - (firstStep ?? 0), elapsed = Date().timeIntervalSince(start)
        let left = elapsed / Double(max(1, done)) * Double(total - step)
        let width = 24, filled = width * step / max(1, total)
        let line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
            + " \(step)/\(total) \(text) · \(rate) · \(Self.duration(left)) left"
        FileHandle.standardError.write(Data((inPlace ? "\r" + line : line + "\n").utf8))
    }

    /// An SFT step: loss, the last held-out loss, tokens/s.
    func update(_ log: StepLog) {
        if let e = log.evalLoss { lastEval = e }
        update(step: log.step, text: "loss \(String(format: "%.4f", log.loss))" + (lastEval.map { " eval \(String(format: "%.4f", $0))" } ?? ""),
               rate: String(format: "%.0f tok/s", log.tokensPerSecond))
    }

    func finish() { if inPlace { FileHandle.standardError.write(Data("\n".utf8)) } }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
