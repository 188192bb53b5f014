import ArgumentParser
import Foundation
import TernEnsembles
import TernLM
import TernSearch
import TernServer

struct Route: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "RoRF routing between a weak and a strong model: make data, train, evaluate, serve.",
        subcommands: [MakeData.self, Train.self, Eval.self, Serve.self])

    /// Routing data from the seeded arithmetic problems: the default model (one sample) as the
    /// weak model, the same model with self-consistency over N samples as the strong one.
    struct MakeData: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Score a weak and a strong model on seeded arithmetic problems, as routing data (JSONL; resumes).")
        @OptionGroup var modelOptions: ModelOptions
        @Option(help: "How many problems.") var problems = 300
        @Option(help: "Seed of the problems (the experiment uses 1).") var seed: UInt64 = 2
        @Option(help: "Samples the strong model votes over.") var samples = 8
        @Option(help: "Output JSONL: {prompt, weak, strong} per line.") var out: String

        func run() async throws {
            let loaded = try modelOptions.load()
            let local = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: 1024)
            let strong = SelfConsistencyModel(base: local, samples: samples)
            let writer = try JSONLWriter(path: out)
            let set = ArithmeticProblems.generate(count: problems, seed: seed)
            var weakRight = 0, strongRight = 0, done = 0
            for (i, p) in set.enumerated() where !writer.contains("p\(i)") {
                let parameters = GenerationParameters(temperature: 0.8, seed: seed &* 1_000_003 &+ UInt64(i), maxTokens: 64,
                                                      stop: ArithmeticProblems.stop)
                let request = CompletionRequest(.text(ArithmeticProblems.prompt(for: p)), parameters: parameters)
                let w = try await local.complete(request), s = try await strong.complete(request)
                let weak = AnswerExtractor.answerLine(w.text) == String(p.answer), strongOK = AnswerExtractor.answerLine(s.text) == String(p.answer)
                try writer.append(id: "p\(i)", ["prompt": p.question, "weak": weak ? 1 : 0, "strong": strongOK ? 1 : 0])
                weakRight += weak ? 1 : 0
                strongRight += strongOK ? 1 : 0
                done += 1
                note("problem \(i + 1)/\(problems): weak \(weakRight)/\(done), \(strong.name) \(strongRight)/\(done) right this run")
            }
            note("\(out): \(writer.count) examples")
        }
    }

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Train a RoRF router (random forest on prompt embeddings) from JSONL data.")
        @Option(help: "JSONL lines {\"prompt\": …, \"weak\": score, \"strong\": score}.") var data: String
        @Option(help: "Where to write the router (JSON).") var out: String
        @Option(name: .customLong("embedding-model"), help: "Embedding model for the prompts.") var embeddingModel = Embed.defaultModel
        @Option(help: "Name of the weak model (recorded in the router).") var weak = "weak"
        @Option(help: "Name of the strong model (recorded in the router).") var strong = "strong"
        @Option(help: "Trees in the forest.") var trees = 100
        @Option(name: .customLong("max-depth"), help: "Deepest a tree grows.") var maxDepth = 12
        @Option(name: .customLong("min-leaf"), help: "Fewest training rows in a leaf.") var minLeaf = 2
        @Option(help: "Seed of the bootstrap samples and feature choices.") var seed: UInt64 = 0
        @Option(name: [.customShort("t"), .long], help: "Worker threads.") var threads = ProcessInfo.processInfo.activeProcessorCount

        func run() async throws {
            let examples = try RoutingExample.load(jsonl: data)
            let embedder = try Embed.load(embeddingModel, threads: threads)
            let start = Date()
            let vectors = try await embedder.embed(examples.map(\.prompt))
            let router = RoRFRouter.train(examples: examples, embeddings: vectors, embeddingModel: embeddingModel, weak: weak, strong: strong,
                                          parameters: .init(trees: trees, maxDepth: maxDepth, minSamplesLeaf: minLeaf, seed: seed))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(router).write(to: URL(fileURLWithPath: out), options: .atomic)
            var counts = [Int](repeating: 0, count: 4)
            for e in examples { counts[RoutingLabel(weak: e.weak, strong: e.strong).rawValue] += 1 }
            let labels = RoutingLabel.allCases.map { "\($0): \(counts[$0.rawValue])" }.joined(separator: ", ")
            emit(String(format: "%@: %d examples (%@), %d trees, trained in %.1f s\n", out, examples.count, labels, trees, Date().timeIntervalSince(start)))
        }
    }

    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cost-quality curve and APGR of a router on held-out JSONL data: table, JSON and plot.")
        @Option(help: "The router (from `tern route train`).") var router: String
        @Option(help: "Held-out JSONL data.") var data: String
        @Option(help: "Folder for curve.json, table.md and cost-quality.svg.") var out: String
        @Option(name: [.customShort("t"), .long], help: "Worker threads.") var threads = ProcessInfo.processInfo.activeProcessorCount

        func run() async throws {
            let r = try Route.loadRouter(router)
            let examples = try RoutingExample.load(jsonl: data)
            let vectors = try await Embed.load(r.embeddingModel, threads: threads).embed(examples.map(\.prompt))
            let e = RouterEvaluation(preferStrong: vectors.map(r.preferStrong), examples: examples)
            let curve = e.curve(steps: 20), apgr = e.apgr(steps: 20)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var table = "Command: `tern route eval --router \(router) --data \(data) --out \(out)`\n\n"
            table += String(format: "%d held-out prompts; weak (%@) %.1f%%, strong (%@) %.1f%%; **APGR %.3f** (random routing: 0.5).\n\n",
                            examples.count, r.weak, 100 * e.weakQuality, r.strong, 100 * e.strongQuality, apgr)
            table += "| strong calls | quality | PGR |\n|---:|---:|---:|\n"
            for p in curve { table += String(format: "| %.0f%% | %.1f%% | %.2f |\n", 100 * p.strongShare, 100 * p.quality, p.pgr) }
            try table.write(toFile: out + "/table.md", atomically: true, encoding: .utf8)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Report: Encodable { let apgr: Double; let weakQuality: Double; let strongQuality: Double; let curve: [RouterEvaluation.Point] }
            try encoder.encode(Report(apgr: apgr, weakQuality: e.weakQuality, strongQuality: e.strongQuality, curve: curve))
                .write(to: URL(fileURLWithPath: out + "/curve.json"), options: .atomic)
            var chart = LineChart(title: "Routing \(r.weak) / \(r.strong): quality against strong calls (APGR \(String(format: "%.2f", apgr)))",
                                  xLabel: "share of prompts sent to the strong model", yLabel: "accuracy")
            chart.series = [.init(name: "RoRF router", points: curve.map { ($0.strongShare, $0.quality) }),
                            .init(name: "random routing", points: [(0, e.weakQuality), (1, e.strongQuality)], dashed: true)]
            try chart.svg().write(toFile: out + "/cost-quality.svg", atomically: true, encoding: .utf8)
            emit(table)
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a router as one model, router:<weak>,<strong>@<threshold>, over the OpenAI-compatible API.")
        @OptionGroup var modelOptions: ModelOptions
        @Option(help: "The router (from `tern route train`).") var router: String
        @Option(help: "The strong model: vote:N (the --model with self-consistency over N samples) or an OpenAI-compatible base URL.")
        var strong = "vote:8"
        @Option(name: .customLong("strong-model"), help: "Model name to ask a --strong URL for.") var strongModel = "default"
        @Option(help: "Send a prompt to the strong model when P(prefer strong) exceeds this.") var threshold: Double?
        @Option(name: .customLong("strong-share"), help: "Or: calibrate the threshold for this share of strong calls (0…1).")
        var strongShare = 0.5
        @Option(help: "Address to bind.") var host = "127.0.0.1"
        @Option(help: "Port to listen on (0: any free port).") var port = 8080
        @OptionGroup var trace: TraceOptions

        func run() async throws {
            let r = try Route.loadRouter(router)
            let loaded = try modelOptions.load()
            let weak = try trace.wrap(try LocalModel(loaded: loaded, name: modelOptions.model))
            let strongModel: any LanguageModel
            if strong.hasPrefix("vote:") {
                guard let n = Int(strong.dropFirst(5)), n > 0 else { throw CommandError("--strong vote:N needs a positive N, got \(strong)") }
                strongModel = SelfConsistencyModel(base: weak, samples: n)
            } else {
                strongModel = try trace.wrap(OpenAICompatibleModel(baseURL: strong, model: self.strongModel))
            }
            let embedder = try Embed.load(r.embeddingModel, threads: modelOptions.threads)
            let t = threshold ?? r.threshold(forShare: strongShare)
            let model = RouterModel(router: r, weak: weak, strong: strongModel, embedder: embedder, threshold: t)
            let host = self.host, name = model.name
            try await OpenAIServer(models: [model]).run(host: host, port: port) { bound in
                note("tern route serve: \(name) on http://\(host):\(bound)/v1")
            }
        }
    }

    static func loadRouter(_ path: String) throws -> RoRFRouter {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("cannot read the router \(path): train one with `tern route train`") }
        do {
            return try JSONDecoder().decode(RoRFRouter.self, from: data)
        } catch {
            throw CommandError("\(path) is not a router file (\(error.localizedDescription)): train one with `tern route train`")
        }
    }
}
