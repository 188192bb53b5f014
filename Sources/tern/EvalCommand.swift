import ArgumentParser
import Foundation
import TernLM
import TernPrograms

/// Evaluations from the command line.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluations: suites of assertions over prompts and providers (tern eval SUITE.yaml), their review, and function calling measured on BFCL.",
        subcommands: [SuiteRun.self, BFCLRun.self, Review.self], defaultSubcommand: SuiteRun.self)
}

extension Eval {
    /// BFCL's categories through the tool-calling API, scored by AST match.
    struct BFCLRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bfcl",
            abstract: "Run BFCL's function-calling categories through the tool-calling API and score them by AST match.")

        @OptionGroup var modelOptions: ModelOptions
        @Option(name: .customLong("base-url"), help: "An OpenAI-compatible API to evaluate instead of the local engine (with --model as its model name).")
        var baseURL: String?
        @Option(help: "A category (repeatable): \(BFCL.categories.joined(separator: ", ")). Default: all.")
        var category: [String] = []
        @Option(help: "The folder of BFCL's CATEGORY.jsonl and CATEGORY.answers.jsonl files (default: $TERN_BFCL_DIR, else ../shared/reference/bfcl).")
        var data: String?
        @Option(help: "Only the first N questions of each category.") var limit: Int?
        @Option(name: .customLong("tool-choice"), help: "auto (the model decides whether to call) or required.")
        var toolChoice = "auto"
        @Option(name: .customLong("max-tokens"), help: "Most tokens in one answer.") var maxTokens = 512
        @Option(help: "Write every question's calls and verdict to this JSON Lines file.") var out: String?
        @Flag(help: "Print the scores as JSON.") var json = false
        @Option(help: "Retrieval-aware prompting: offer only the N functions nearest to the question (MiniLM) out of every function of its category; irrelevance keeps its own.")
        var retrieve: Int?
        @Option(help: "The embedding model of --retrieve.") var embedder = "minilm-l6"

        func run() async throws {
            let folder = data ?? ProcessInfo.processInfo.environment["TERN_BFCL_DIR"] ?? "../shared/reference/bfcl"
            let categories = category.isEmpty ? BFCL.categories : category
            for c in categories where !BFCL.categories.contains(c) {
                throw CommandError("--category \(c): not one of \(BFCL.categories.joined(separator: ", "))")
            }
            guard ["auto", "required"].contains(toolChoice) else { throw CommandError("--tool-choice must be auto or required, got \(toolChoice)") }
            var sets = try categories.map { c -> (String, [BFCL.Entry]) in
                do { return (c, Array(try BFCL.load(category: c, from: folder).prefix(limit ?? .max))) } catch {
                    throw CommandError("\(error)")
                }
            }
            var recall: [String: Double] = [:]
            if let k = retrieve {
                guard k >= 1 else { throw CommandError("--retrieve must be at least 1") }
                let minilm = try Embed.load(embedder, threads: modelOptions.threads)
                for (i, (name, entries)) in sets.enumerated() where name != "irrelevance" {
                    (sets[i].1, recall[name]) = try await Self.retrieve(entries, count: k, embedder: minilm)
                }
            }
            let model: any LanguageModel
            if let baseURL {
                model = OpenAICompatibleModel(baseURL: baseURL, model: modelOptions.model)
            } else {
                let loaded = try modelOptions.load()
                model = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: min(4096, loaded.model.contextLength))
            }
            let log = try out.map { path -> FileHandle in
                guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                    throw CommandError("cannot write \(path)")
                }
                return h
            }
            var rows: [[String: JSONValue]] = []
            for (name, entries) in sets {
                var right = 0, malformed = 0, called = 0
                let bar = ProgressBar(total: entries.count, enabled: isatty(2) != 0, label: name)
                // Eight questions decode together on the local engine.
                for start in stride(from: 0, to: entries.count, by: 8) {
                    let batch = Array(entries[start..<min(start + 8, entries.count)])
                    let completions = try await model.complete(batch: batch.map { e in
                        var p = GenerationParameters(temperature: 0, maxTokens: maxTokens)
                        p.tools = e.tools
                        p.toolChoice = toolChoice == "required" ? .required : .auto
                        // The categories of one expected call ask for one call.
                        p.parallelToolCalls = name.hasPrefix("parallel")
                        return CompletionRequest(.chat(e.messages), parameters: p)
                    })
                    for (e, c) in zip(batch, completions) {
                        let choice = c.choices[0]
                        let calls = (choice.toolCalls ?? []).map { ($0.name, $0.arguments) }
                        // A call begun but not whole (cut by the token limit, or written outside the grammar).
                        let broken = calls.isEmpty && choice.text.contains("<tool_call>")
                        let ok = !broken && BFCL.matches(calls.map { (name: $0.0, arguments: $0.1) }, e.answer, functions: e.tools)
                        right += ok ? 1 : 0
                        malformed += broken ? 1 : 0
                        called += calls.isEmpty ? 0 : 1
                        let record: JSONValue = ["id": .string(e.id), "right": .bool(ok), "text": .string(choice.text),
                                                 "calls": .array(calls.map { ["name": .string($0.0), "arguments": .string($0.1)] })]
                        log?.write(Data((record.canonicalJSON + "\n").utf8))
                    }
                    bar.update(min(start + 8, entries.count), score: 100 * Double(right) / Double(max(1, min(start + 8, entries.count))))
                }
                bar.finish()
                var row: [String: JSONValue] = ["category": .string(name), "questions": .number(Double(entries.count)),
                             "accuracy": .number(entries.isEmpty ? 0 : 100 * Double(right) / Double(entries.count)),
                             "right": .number(Double(right)), "answered_with_calls": .number(Double(called)),
                             "malformed": .number(Double(malformed))]
                if let r = recall[name] { row["retrieval_recall"] = .number(100 * r) }
                rows.append(row)
            }
            try log?.close()
            if json {
                print(JSONValue.object(["model": .string(modelOptions.model), "tool_choice": .string(toolChoice),
                                        "retrieve": retrieve.map { .number(Double($0)) } ?? .null,
                                        "categories": .array(rows.map { .object($0) })]).canonicalJSON)
                return
            }
            print("BFCL, \(modelOptions.model), tool_choice \(toolChoice)" + (retrieve.map { ", the \($0) nearest functions of each category offered" } ?? ""))
            print("category".padding(toLength: 19, withPad: " ", startingAt: 0) + "questions  accuracy  with calls  malformed"
                  + (retrieve == nil ? "" : "  retrieved all needed"))
            for r in rows {
                print((r["category"]?.string ?? "").padding(toLength: 19, withPad: " ", startingAt: 0)
                      + String(format: "%9d  %7.1f%%  %10d  %9d", Int(r["questions"]?.number ?? 0), r["accuracy"]?.number ?? 0,
                               Int(r["answered_with_calls"]?.number ?? 0), Int(r["malformed"]?.number ?? 0))
                      + (r["retrieval_recall"]?.number.map { String(format: "  %20.1f%%", $0) } ?? ""))
            }
        }
    
        /// Each question offered the `count` functions of its category nearest to it, and the share
        /// of questions whose expected functions were all among them.
        static func retrieve(_ entries: [BFCL.Entry], count: Int, embedder: any LanguageModel) async throws -> ([BFCL.Entry], Double) {
            var pool: [ToolDefinition] = [], seen = Set<String>()
            for t in entries.flatMap(\.tools) where seen.insert(t.name).inserted { pool.append(t) }
            let retriever = try await ToolRetriever(tools: pool, embedder: embedder)
            let questions = entries.map { $0.messages.last { $0.role == .user }?.content ?? "" }
            let offered = try await retriever.nearest(to: questions, count: count)
            var out = entries, found = 0
            for i in out.indices {
                // A name several questions share keeps each question's own definition.
                out[i].tools = offered[i].map { t in entries[i].tools.first { $0.name == t.name } ?? t }
                let needed = Set((entries[i].answer ?? []).map(\.name))
                if needed.isSubset(of: Set(out[i].tools.map(\.name))) { found += 1 }
            }
            return (out, entries.isEmpty ? 0 : Double(found) / Double(entries.count))
        }
}
}
