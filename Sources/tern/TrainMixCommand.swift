import ArgumentParser
import Foundation

extension Train {
    struct Mix: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mix",
            abstract: "Build an instruction-tuning set (chat JSONL for tern train sft) from kept synthetic records.",
            discussion: """
            From the kept records of `tern synth instructions` (with --repair): each instruction (a fifth with its \
            constraints as a system turn), two-turn conversations, topic classification in the ChatAdapter's format \
            (of the responses, and of short sentences from `tern synth sentences` given with --sentences), \
            arithmetic worked solutions, and pairwise judgments in the judge's prompt with each pair in both orders; \
            plus any `tern synth topics`/`dialogues` records given with --records. The arithmetic problems of \
            `tern experiment ttc` and `tern judge bias` (seed 1) are never used.
            """)

        @Option(help: "Kept records of `tern synth instructions`.") var instructions: String
        @Option(help: "Kept records of `tern synth topics` or `dialogues` (repeatable).") var records: [String] = []
        @Option(help: "Training set to write (JSONL).") var out: String
        @Option(name: .customLong("eval-out"), help: "Held-out set to write (JSONL), for tern train sft --eval.") var evalOut: String?
        @Option(name: .customLong("eval-count"), help: "Examples held out for --eval-out.") var evalCount = 100
        @Option(name: .customLong("instruction-count"), help: "Use only this many instructions as chat examples (all by default).")
        var instructionCount: Int?
        @Option(help: "Kept records of `tern synth sentences`, for classification of short texts.") var sentences: String?
        @Option(name: .customLong("sentence-classification"), help: "Classification examples over --sentences.")
        var sentenceClassification = 600
        @Option(name: .customLong("two-turn"), help: "Two-turn conversations made of pairs of instructions.") var twoTurn = 200
        @Option(help: "Topic classification examples (ChatAdapter).") var classification = 400
        @Option(help: "Arithmetic worked solutions.") var arithmetic = 300
        @Option(name: .customLong("judge-arithmetic"), help: "Judged arithmetic pairs (each in both orders).") var judgeArithmetic = 150
        @Option(name: .customLong("judge-instructions"), help: "Judged instruction pairs (each in both orders).") var judgeInstructions = 150
        @Option(help: "Seed of the mix.") var seed: UInt64 = 0

        func run() throws {
            let items = try SFTMix.readInstructions(instructions)
            var mix = SFTMix(seed: seed)
            mix.addInstructions(items, twoTurn: twoTurn, limit: instructionCount)
            try mix.addClassification(items, count: classification)
            if let sentences { try mix.addSentenceClassification(sentences, count: sentenceClassification) }
            try mix.addArithmetic(arithmetic)
            mix.addJudgments(arithmetic: judgeArithmetic, instructions: items, pairs: judgeInstructions)
            for path in records { try mix.addRecords(path) }
            let (train, held) = try mix.lines(heldOut: evalOut == nil ? 0 : evalCount)
            try write(train, to: out)
            if let evalOut { try write(held, to: evalOut) }
            var counts: [String: Int] = [:]
            for e in mix.examples { counts[e.source, default: 0] += 1 }
            emit("\(out): \(train.count) examples" + (evalOut.map { ", \($0): \(held.count)" } ?? "") + "\n")
            for (k, v) in counts.sorted(by: { $0.key < $1.key }) { emit("  " + k.padding(toLength: 20, withPad: " ", startingAt: 0) + "\(v)\n") }
        }

        /// Whole or not at all: written beside `path`, then moved over it.
        private func write(_ lines: [String], to path: String) throws {
            let tmp = path + ".partial"
            do {
                try (lines.joined(separator: "\n") + "\n").write(toFile: tmp, atomically: false, encoding: .utf8)
                _ = try? FileManager.default.removeItem(atPath: path)
                try FileManager.default.moveItem(atPath: tmp, toPath: path)
            } catch {
                throw CommandError("cannot write \(path) (\(error.localizedDescription)): check the folder exists and is writable")
            }
        }
    }
}
