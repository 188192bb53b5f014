import ArgumentParser
import Foundation
import TernEngine
import TernEnsembles
import TernLM
import TernRL
import TernSearch

struct Synth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Synthetic data from the model: verified instruction following, topic questions, two-turn dialogues, labelled sentences (JSONL; resumes).",
        discussion: """
            Kept records go to --out, rejected ones to <out>.rejected.jsonl; both carry ids, so an
            interrupted run picks up where it stopped. Instructions are kept when every verifier
            passes; topic answers and dialogues when the judge (the same model with a rubric) grades
            them at least --min-score; sentences when the reply's first sentence has 5–30 words, does
            not name its topic and was not kept before.
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable { case instructions, topics, dialogues, sentences, solutions, verifier, tools }

    @OptionGroup var modelOptions: ModelOptions
    @Argument(help: "What to make: instructions, topics, dialogues, sentences (labelled by topic, for classification) solutions (verified worked arithmetic, as chats for tern train sft: a cold start before tern train grpo) verifier (the policy's own answers labelled right or wrong, whole and step by step, to train an outcome and a process reward model) or tools (verified tool-calling chats from --catalog, for tern train sft; no model needed).")
    var kind: Kind
    @Option(help: "Output JSONL of kept records.") var out: String
    @Option(help: "Instructions: kept examples to reach. Dialogues: how many. Sentences: attempts per topic. Solutions: problems to try.") var count = 200
    @Option(help: "Solutions: answers sampled per problem (the first right one is kept). Verifier: answers labelled per problem.") var samples = 8
    @Option(help: "Verifier: completions sampled from each step of a wrong answer (the step is good when one reaches the right answer).") var rollouts = 4
    @Option(name: .customLong("max-attempts"), help: "Instructions: prompts to try at most.") var maxAttempts = 2000
    @Option(help: "Topics, comma-separated (instructions: default the built-in 24; topics and dialogues: default five; sentences: 24 everyday categories). 'held-out' names the instruction topics kept out of training.")
    var topics: String?
    @Option(help: "Sub-topics per topic.") var subtopics = 4
    @Option(name: .customLong("min-score"), help: "Lowest judge score kept (of 1–10 as a chat; few-shot: the expected score of 1–9, rounded).")
    var minScore = 7.0
    @Option(name: .customLong("batch-size"), help: "Requests decoded together.") var batchSize = 8
    @Option(help: "Seed of the prompts and samples.") var seed: UInt64 = 1
    @Option(help: "Instructions as a chat turn (instruction-tuned models) or after worked examples (few-shot: base models such as the default).")
    var format: Synthesizer.Format = .fewShot
    @Flag(help: "Instructions: rewrite the layout of answers that fail only layout constraints (lowercase, closing phrase, JSON, paragraphs, bullets), then verify again.")
    var repair = false
    @Option(help: "Tools: the catalog of functions (docs/tools/catalog.json).") var catalog = "docs/tools/catalog.json"
    @Option(name: .customLong("no-call-share"), help: "Tools: the share of chats that offer only functions that do not fit (the answer is text).")
    var noCallShare = 0.40
    @Option(name: .customLong("exclude-from"), help: "Tools: a folder of BFCL files whose function names the catalog must not use.") var excludeFrom: String?
    @Option(help: "Sentences: the embedding model that checks each sentence is near its topic ('none' skips the check). Tools: the model that picks the nearest functions to offer beside the right one ('none': random ones).")
    var embedder = "minilm-l6"

    func run() async throws {
        guard count > 0, batchSize > 0 else { throw CommandError("--count and --batch-size must be at least 1") }
        if kind == .solutions { return try solutions() }
        if kind == .verifier { return try await verifier() }
        if kind == .tools { return try await tools() }
        let loaded = try modelOptions.load()
        let model = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: 2048)
        // A base model (few-shot) grades by likelihood on 1–9; a chat model writes its grade on 1–10.
        let rubric = "Is the answer correct, on topic and helpful to the person who asked?"
        let judge = format == .fewShot ? RubricGrader(model: model, rubric: rubric, scale: 1...9, mode: .likelihood)
            : RubricGrader(model: model, rubric: rubric)
        var synth = Synthesizer(model: model, judge: judge, minScore: minScore, seed: seed, batchSize: batchSize, format: format)
        synth.repair = repair
        if kind == .sentences && embedder != "none" { synth.embedder = try Embed.load(embedder, threads: ProcessInfo.processInfo.activeProcessorCount) }
        let kept: JSONLWriter, rejected: JSONLWriter
        do {
            kept = try JSONLWriter(path: out)
            rejected = try JSONLWriter(path: (out.hasSuffix(".jsonl") ? String(out.dropLast(6)) : out) + ".rejected.jsonl")
        } catch {
            throw CommandError("cannot open \(out) for appending (\(error.localizedDescription)): check the folder exists and is writable")
        }
        let start = Date()
        func report(_ s: Synthesizer.Stats, _ total: Int) {
            note(String(format: "synth %@: %d kept in %@ (this run: %d of %d passed, %.0f%%), %.0f s", kind.rawValue, total, out,
                        s.kept, s.attempted, 100 * s.passRate, Date().timeIntervalSince(start)))
        }
        let topicList = topics == "held-out" ? InstructionPrompts.heldOutTopics
            : (topics ?? (kind == .instructions ? "" : kind == .sentences ? Synthesizer.sentenceTopics.joined(separator: ",")
                : "the water cycle,volcanoes,bread baking,electric cars,chess"))
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        synth.instructionTopics = topicList
        let stats: Synthesizer.Stats
        switch kind {
        case .instructions:
            stats = try await synth.instructions(count: count, maxAttempts: maxAttempts, kept: kept, rejected: rejected, progress: report)
        case .topics:
            stats = try await synth.topics(topicList, subtopics: subtopics, kept: kept, rejected: rejected, progress: report)
        case .dialogues:
            // Each topic in turn, with a different opening question on each round through the list.
            let openings = ["What should a beginner know about %@?", "How would you explain %@ to a child?", "What is a common mistake people make about %@?",
                            "Why does %@ matter in everyday life?"]
            let n = max(1, topicList.count)
            let questions = (0..<count).map { String(format: openings[($0 / n) % openings.count], topicList[$0 % n]) }
            stats = try await synth.dialogues(questions, kept: kept, rejected: rejected, progress: report)
        case .sentences:
            stats = try await synth.sentences(topicList, perTopic: count, kept: kept, rejected: rejected, progress: report)
        case .solutions, .verifier, .tools:
            preconditionFailure("solutions and verifier data are written by solutions() and verifier()")
        }
        let all = kept.count + rejected.count
        emit(String(format: "%@: %d kept, %d rejected in the file (pass rate %.1f%%); this run %d of %d (%.1f%%)\n", out, kept.count,
                    rejected.count, all == 0 ? 0 : 100 * Double(kept.count) / Double(all), stats.kept, stats.attempted, 100 * stats.passRate))
        if repair { emit("  \(stats.repaired) of the kept had their layout repaired; per constraint below: the model's own text\n") }
        for (k, v) in stats.byConstraint.sorted(by: { $0.key < $1.key }) {
            emit("  " + k.padding(toLength: 11, withPad: " ", startingAt: 0)
                 + String(format: "%4d / %4d passed (%.0f%%)\n", v[0], v[1], v[1] == 0 ? 0 : 100 * Double(v[0]) / Double(v[1])))
        }
    }

    /// Verified worked solutions of training problems (never the held-out ones), sampled few-shot
    /// at temperature 0.7, written as chats in the `<think>`/`<answer>` format.
    private func solutions() throws {
        guard samples > 0 else { throw CommandError("--samples must be at least 1") }
        let loaded = try modelOptions.load()
        var collector = WorkedSolutions(loaded: loaded, samples: samples)
        collector.seed = seed
        let problems = ArithmeticTask().trainingProblems(count: count, step: 1_000_000, seed: seed)
        // Written as found: a run stopped early keeps what it verified.
        guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
            throw CommandError("cannot write \(out): check the folder exists and is writable")
        }
        defer { try? file.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let start = Date()
        let kept = try collector.collect(problems, onKept: { s in
            file.write(try encoder.encode(["messages": s.messages]) + Data("\n".utf8))
        }) { done, kept in
            if done % 25 == 0 || done == problems.count {
                note(String(format: "synth solutions: %d of %d problems, %d kept, %.0f s", done, problems.count, kept, Date().timeIntervalSince(start)))
            }
        }
        emit(String(format: "%@: %d verified solutions of %d problems (%.1f%%)\n", out, kept.count, problems.count,
                    100 * Double(kept.count) / Double(max(1, problems.count))))
    }
}

extension Synth {
    /// Outcome and process labels of the policy's own answers to training problems, asked in the
    /// `<think>`/`<answer>` format through the chat template (the format `tern experiment ttc
    /// --format tags` searches in), as prompt/completion records for `tern train sft`.
    private func verifier() async throws {
        guard samples > 0, rollouts > 0 else { throw CommandError("--samples and --rollouts must be at least 1") }
        let loaded = try modelOptions.load()
        let model = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: 2048)
        let format = try ArithmeticTask.chatFormat(template: LocalModel.chatTemplate(for: loaded))
        var data = VerifierData(policy: model)
        data.samples = samples
        data.rollouts = rollouts
        data.seed = seed
        let problems = ArithmeticTask().trainingProblems(count: count, step: 2_000_000, seed: seed)
        guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
            throw CommandError("cannot write \(out): check the folder exists and is writable")
        }
        defer { try? file.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let start = Date()
        var counts: [String: Int] = [:]
        for (k, p) in problems.enumerated() {
            let task = ArithmeticTask.prompt(p)
            for e in try await data.examples(question: p.question, prompt: format.prompt(p), index: k, isCorrect: { task.isCorrect($0) }) {
                file.write(try encoder.encode(e) + Data("\n".utf8))
                counts["\(e.kind.rawValue) \(e.label ? "yes" : "no")", default: 0] += 1
            }
            if (k + 1) % 10 == 0 || k + 1 == problems.count {
                note(String(format: "synth verifier: %d of %d problems, %.0f s · ", k + 1, problems.count, Date().timeIntervalSince(start))
                     + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
        }
        emit("\(out): " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n")
    }
}

extension Synthesizer.Format: ExpressibleByArgument {}
