import ArgumentParser
import Foundation
import TernEngine
import TernLM
import TernRL
import TernSearch

struct Experiment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a committed experiment and write its table and plot.",
        subcommands: [TTC.self, MoA.self])
}

extension Experiment {
    struct TTC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ttc",
            abstract: "Accuracy against test-time compute: every search strategy at each N on seeded arithmetic problems.")

        @OptionGroup var modelOptions: ModelOptions
        @Option(help: "How many problems (seeded).") var problems = 100
        @Option(help: "Seed of the problems and the samples.") var seed: UInt64 = 1
        @Option(help: "The N values, comma-separated.") var budgets = "1,2,4,8,16"
        @Option(help: "Beam width M for beam search and DVTS.") var width = 4
        @Option(name: .customLong("max-iterations"), help: "Most steps a step-wise search takes (default 3; 6 with --format tags).")
        var maxIterations: Int?
        @Option(help: "Sampling temperature of the policy.") var temperature = 0.8
        @Option(help: "few-shot (worked examples, 'Answer: N'; base models) or tags (the problem as a chat turn answered in <think>/<answer>, as tern train grpo trains).")
        var format = "few-shot"
        @Option(name: .customLong("verifier-lora"), help: "A trained verifier adapter (tern synth verifier, then tern train sft) for the ORM and PRM judges, asked without judged examples.")
        var verifierLora: String?
        @Option(help: "Problems solved at once, each by its own engine on an equal share of the threads (default: one per thread).")
        var workers: Int?
        @Option(help: "Folder for results.json, table.md and accuracy.svg (+ .png when a converter is installed).")
        var out = "docs/experiments/ttc"

        func validate() throws {
            guard problems > 0 else { throw ValidationError("--problems must be > 0") }
            guard (workers ?? 1) >= 1 else { throw ValidationError("--workers must be ≥ 1") }
            guard format == "few-shot" || format == "tags" else { throw ValidationError("--format must be few-shot or tags, not \(format)") }
            guard let ns = parsedBudgets, !ns.isEmpty, ns.allSatisfy({ (1...16).contains($0) }) else {
                throw ValidationError("--budgets must be comma-separated numbers from 1 to 16, got '\(budgets)'")
            }
        }

        var parsedBudgets: [Int]? {
            let parts = budgets.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            return parts.contains(nil) ? nil : parts.compactMap { $0 }
        }

        func run() async throws {
            // One worker per thread by default: single-threaded engines side by side keep the cores
            // busier than one engine split across them (per-token work that does not parallelise).
            let count = max(1, workers ?? modelOptions.threads)
            var models: [TTCExperiment.Models] = []
            var policies: [LocalModel] = [], judges: [LocalModel] = []
            if let file = verifierLora, !FileManager.default.fileExists(atPath: file) { throw CommandError("--verifier-lora \(file): no such file") }
            var formatted = TTCExperiment.Format.fewShot
            for _ in 0..<count {
                let loaded = try modelOptions.load(threads: max(1, modelOptions.threads / count))
                let ctx = min(2048, loaded.model.contextLength)
                // The judges run on the same weights with their own KV caches, so judging never
                // evicts the policy's cached prompt, and each judge keeps its preamble cached. A
                // trained verifier shares the weights with its own adapter in place of the policy's.
                let judging = try verifierLora.map { try LoadedModel(loaded, adapters: [($0, Float(1))]) } ?? loaded
                let policy = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: ctx)
                let orm = try LocalModel(loaded: judging, name: modelOptions.model + "-orm", contextSize: ctx)
                let prm = try LocalModel(loaded: judging, name: modelOptions.model + "-prm", contextSize: ctx)
                if format == "tags" { formatted = try ArithmeticTask.chatFormat(template: LocalModel.chatTemplate(for: loaded)) }
                models.append(.init(policy: policy, outcomeJudge: orm, processJudge: prm))
                policies.append(policy)
                judges += [orm, prm]
            }
            var cfg = TTCExperiment.Configuration()
            cfg.problems = problems
            cfg.seed = seed
            cfg.budgets = parsedBudgets ?? cfg.budgets
            cfg.width = width
            cfg.maxIterations = maxIterations ?? (format == "tags" ? 6 : 3)
            cfg.temperature = temperature
            if format == "tags" { cfg.maxTokens = 96 }
            cfg.judgePreambles = verifierLora == nil
            let experiment = TTCExperiment(workers: models, configuration: cfg, format: formatted)
            let started = Date()
            let rows = try await experiment.run { note($0) }
            let seconds = Date().timeIntervalSince(started)
            let report = TTCReport(rows: rows, configuration: cfg, seconds: seconds, model: modelOptions.model,
                                   workers: count, threads: modelOptions.threads,
                                   policyPrefilled: policies.map(\.prefilledTokens).reduce(0, +),
                                   judgePrefilled: judges.map(\.prefilledTokens).reduce(0, +),
                                   command: (["tern experiment ttc"] + CommandLine.arguments.dropFirst(3)).joined(separator: " "))
            print(report.table())
            let files = try report.write(to: out)
            note("wrote " + files.joined(separator: ", "))
        }
    }
}
