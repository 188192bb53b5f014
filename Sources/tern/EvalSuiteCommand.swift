import ArgumentParser
import Foundation
import TernEngine
import TernEnsembles
import TernEvals
import TernLM
import TernPrograms
import TernStore

extension Eval {
    /// `tern eval SUITE.yaml`: the suite's matrix, checked, tabulated, written and guarded.
    struct SuiteRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run an eval suite (YAML): prompts × providers × cases, every output checked by its assertions.",
            discussion: """
                The suite format is in docs/EVALS.md and its JSON schema in docs/eval-suite.schema.json.
                Calls are traced and cached in the trace store (the same request gives the same
                answer without calling the model again; --no-cache asks again). With two or more
                prompts or providers, each is compared with the first by a paired bootstrap.
                """)

        @Argument(help: "The suite file (YAML or JSON).") var suite: String
        @Option(name: .shortAndLong, help: "A provider to run instead of the suite's (repeatable): a model name, a .gguf path, or URL#model of an OpenAI-compatible API.")
        var model: [String] = []
        @Option(name: .customLong("repeat"), help: "Run every case this many times (seeds differ).") var repeats = 1
        @Option(help: "Write results.json and report.html into this folder.") var out: String?
        @Flag(help: "Print the results as JSON instead of the table.") var json = false
        @Option(name: .customLong("fail-under"), help: "Exit with status 1 when the overall pass rate (percent) is under this.")
        var failUnder: Double?
        @Option(help: "Requests sent to a provider at once (the local engine decodes them together).") var concurrency = 4
        @Flag(name: .customLong("no-cache"), help: "Call the models even when the trace store has the answer.") var noCache = false
        @Option(name: [.customShort("t"), .long], help: "Worker threads for local models.") var threads = ProcessInfo.processInfo.activeProcessorCount
        @OptionGroup var trace: TraceOptions

        func run() async throws {
            var suite: Suite
            do {
                suite = try Suite(path: self.suite)
                if !model.isEmpty { suite.providers = try model.map { try Suite.provider(.string($0), name: "--model") } }
            } catch { throw CommandError("\(error)") }
            guard !suite.providers.isEmpty else { throw CommandError("\(self.suite) names no providers: add providers, or pass --model") }
            guard repeats >= 1, concurrency >= 1 else { throw CommandError("--repeat and --concurrency must be at least 1") }
            let store = trace.enabled ? try TraceStore.open(path: trace.path) : nil
            let threads = self.threads, cache = !noCache
            let make: @Sendable (Suite.ProviderSpec) async throws -> any LanguageModel = { spec in
                try Self.model(spec, threads: threads, store: store, cache: cache)
            }
            let embedderName = suite.embedder
            let embedder = LazyModel { try Embed.load(embedderName, threads: threads) }
            var graders = Graders(embedder: { try await embedder.get() }, mode: suite.graderMode == "likelihood" ? .likelihood : .generate)
            if let g = suite.grader { graders.grader = try await make(g) }
            var runner = SuiteRunner(suite: suite, graders: graders, makeModel: make)
            runner.repeats = repeats
            runner.concurrency = concurrency
            let bar = ProgressBar(total: suite.prompts.count * suite.providers.count * suite.cases.count * repeats, enabled: isatty(2) != 0, label: "eval")
            let run: () async throws -> SuiteResults = { try await runner.run { done, rate in bar.update(done, score: rate) } }
            let results = try await (store.map { s in { try await s.span("eval suite", attributes: ["suite": .string(self.suite)], run) } } ?? run)()
            bar.finish()
            if let store {
                for s in results.summaries {
                    let rows = results.rows.filter { $0.prompt == s.column.prompt && $0.provider == s.column.provider }
                        .map { JSONValue.object(["case": .string($0.description), "output": .string($0.output), "passed": .bool($0.passed),
                                                 "score": .number($0.score)]) }
                    _ = try? store.record(EvaluationRecord(spanID: nil, name: (suite.description.isEmpty ? self.suite : suite.description) + " · " + s.column.prompt,
                                                           model: s.column.provider, startedAt: results.started, score: 100 * s.passRate,
                                                           examples: s.total, calls: s.total, rows: JSONValue.array(rows).canonicalJSON))
                }
            }
            if let out {
                do {
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                    try results.json().write(to: URL(fileURLWithPath: out + "/results.json"), options: .atomic)
                    try Data(SuiteReport.html(results).utf8).write(to: URL(fileURLWithPath: out + "/report.html"), options: .atomic)
                } catch { throw CommandError("cannot write into \(out): \(error.localizedDescription)") }
            }
            if json {
                emit(String(decoding: try results.json(), as: UTF8.self) + "\n")
            } else {
                emit((suite.description.isEmpty ? "" : suite.description + "\n") + results.table)
                emit(String(format: "overall %.1f%% of %d outputs passed, %.1f s", 100 * results.passRate, results.rows.count, results.seconds)
                     + (out.map { "; \($0)/results.json, \($0)/report.html" } ?? "") + "\n")
            }
            if let failUnder, 100 * results.passRate < failUnder {
                note(String(format: "pass rate %.1f%% is under --fail-under %.1f%%", 100 * results.passRate, failUnder))
                throw ExitCode(1)
            }
        }

        /// A provider's model: an OpenAI-compatible API, or a local model with its adapters; traced
        /// (and cached) when the trace store is on.
        static func model(_ spec: Suite.ProviderSpec, threads: Int, store: TraceStore?, cache: Bool) throws -> any LanguageModel {
            let base: any LanguageModel
            if let url = spec.baseURL {
                base = OpenAICompatibleModel(baseURL: url, model: spec.model)
            } else {
                let resolved = try ModelStore().resolveModel(spec.model)
                for file in spec.lora where !FileManager.default.fileExists(atPath: file) {
                    throw CommandError("provider \(spec.id): lora \(file): no such file")
                }
                let loaded = try LoadedModel(path: resolved.path, threads: threads,
                                             adapters: resolved.adapters.map { ($0, Float(1)) } + spec.lora.map { ($0, Float(1)) })
                base = try LocalModel(loaded: loaded, name: spec.id, contextSize: min(4096, loaded.model.contextLength))
            }
            return store.map { TracedModel(base, store: $0, cache: cache) } ?? base
        }
    }

    /// `tern eval review DIR`: a person's verdicts on a run's outputs, and how well the
    /// model-graded assertions agree with them.
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Review a run's outputs in the terminal (y / n / s to skip / q to stop); verdicts go to DIR/review.json and are compared with the model-graded assertions.")

        @Argument(help: "The folder tern eval --out wrote.") var dir: String
        @Option(help: "Review this many passing outputs, chosen at random, instead of the failures.") var sample: Int?
        @Option(help: "Seed of the sample.") var seed: UInt64 = 0

        func run() async throws {
            let results: SuiteResults
            do { results = try SuiteResults.read(dir + "/results.json") } catch { throw CommandError("\(error)") }
            let path = dir + "/review.json"
            var review = SuiteReview.read(path)
            let queue = review.queue(results, passes: sample, seed: seed)
            emit("\(queue.count) outputs to review (\(review.verdicts.count) reviewed before). Is each acceptable? y / n / s (skip) / q (stop)\n")
            loop: for (i, row) in queue.enumerated() {
                emit("\n[\(i + 1)/\(queue.count)] \(row.provider) · \(row.prompt) · \(row.description)\n")
                emit("--- output ---\n\(row.output)\n--- checks ---\n")
                for o in row.outcomes { emit("  \(o.passed ? "pass" : "FAIL")  \(o.assertion): \(o.reason)\n") }
                while true {
                    emit("acceptable? [y/n/s/q] ")
                    guard let line = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else { break loop }
                    switch line {
                    case "y", "yes", "n", "no":
                        review.verdicts.append(.init(rolloutID: row.rolloutID, provider: row.provider, prompt: row.prompt, acceptable: line.hasPrefix("y")))
                        do { try review.write(path) } catch { throw CommandError("cannot write \(path): \(error.localizedDescription)") }
                        continue loop
                    case "s", "skip": continue loop
                    case "q", "quit": break loop
                    default: emit("answer y, n, s or q\n")
                    }
                }
            }
            let agreement = review.agreement(with: results)
            emit("\n\(review.verdicts.count) verdicts in \(path)\n")
            if agreement.isEmpty { emit("no verdicts yet to compare with\n"); return }
            emit("check                agree   kappa\n")
            for a in agreement {
                emit(a.check.padding(toLength: 19, withPad: " ", startingAt: 0)
                     + String(format: "%3d/%-3d %6.2f\n", a.agree, a.total, a.kappa))
            }
        }
    }
}

/// A model made on first use, once.
final class LazyModel: @unchecked Sendable {  // `lock` guards `model`
    private let make: () throws -> any LanguageModel
    private var model: (any LanguageModel)?
    private let lock = NSLock()
    init(_ make: @escaping () throws -> any LanguageModel) { self.make = make }
    func get() throws -> any LanguageModel {
        lock.lock()
        defer { lock.unlock() }
        if let model { return model }
        let m = try make()
        model = m
        return m
    }
}
