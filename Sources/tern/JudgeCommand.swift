import ArgumentParser
import Foundation
import TernEnsembles
import TernLM
import TernSearch

/// LLM-as-judge from the command line: compare two answers with position swapping, grade one
/// against a rubric, or measure a judge's position bias over labelled pairs.
struct Judge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "LLM-as-judge: pairwise comparison with position swapping, rubric grading, position-bias measurement.",
        subcommands: [Compare.self, Grade.self, Bias.self])

    /// The judging model: the local engine, or an OpenAI-compatible server.
    struct JudgeModel: ParsableArguments {
        @OptionGroup var modelOptions: ModelOptions
        @Option(name: .customLong("base-url"), help: "An OpenAI-compatible API to judge with instead of the local engine.")
        var baseURL: String?

        func load() throws -> any LanguageModel {
            if let baseURL { return OpenAICompatibleModel(baseURL: baseURL, model: modelOptions.model) }
            let loaded = try modelOptions.load()
            return try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: min(4096, loaded.model.contextLength))
        }
    }
}

extension JudgeMode: ExpressibleByArgument {}

extension Judge {
    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Which of two answers is better, asked in both orders; prints the judgment as JSON.")

        @OptionGroup var judgeModel: JudgeModel
        @Option(help: "generate: the judge writes [[A]]/[[B]]/[[C]] (chat models); likelihood: P(\" A\") against P(\" B\") (base models).")
        var mode: JudgeMode = .generate
        @Argument(help: "The question.") var question: String
        @Argument(help: "Answer A.") var a: String
        @Argument(help: "Answer B.") var b: String

        func run() async throws {
            let j = try await PairwiseJudge(model: try judgeModel.load(), mode: mode).compare(question: question, a: a, b: b)
            print(try jsonLine(j))
        }
    }

    struct Grade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grade one answer against a rubric; prints {\"score\": N, \"reason\": …}.")

        @OptionGroup var judgeModel: JudgeModel
        @Option(help: "generate: the judge writes its grade (chat models); likelihood: the score expected under P(\" k\"), scale of single digits (base models).")
        var mode: JudgeMode = .generate
        @Option(help: "What a good answer does.") var rubric: String
        @Option(help: "Lowest score.") var min = 1
        @Option(help: "Highest score.") var max = 10
        @Argument(help: "The question.") var question: String
        @Argument(help: "The answer to grade.") var answer: String

        func run() async throws {
            guard min < max else { throw CommandError("--min must be below --max") }
            let grader = RubricGrader(model: try judgeModel.load(), rubric: rubric, scale: min...max, mode: mode)
            print(try jsonLine(try await grader.grade(question: question, answer: answer)))
        }
    }

    struct Bias: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Judge labelled pairs in both orders and report position bias and accuracy.",
            discussion: """
                Pairs come from --pairs (JSONL of {"question", "a", "b", "better": "a"|"b"}) or, by
                default, from --arithmetic N seeded arithmetic problems: the worked solution against
                the same solution with a slip in its last step, the right one shown first in half of
                the pairs. Writes results.json and table.md to --out.
                """)

        @OptionGroup var judgeModel: JudgeModel
        @Option(help: "generate (chat models) or likelihood (base models such as the default).")
        var mode: JudgeMode = .likelihood
        @Option(help: "JSONL of labelled pairs.") var pairs: String?
        @Option(help: "Without --pairs: this many seeded arithmetic pairs.") var arithmetic = 100
        @Option(help: "Seed of the arithmetic pairs.") var seed: UInt64 = 1
        @Option(help: "Folder for results.json and table.md.") var out = "docs/judge"

        func run() async throws {
            let list = try pairs.map(Self.read) ?? Self.arithmeticPairs(count: arithmetic, seed: seed)
            guard !list.isEmpty else { throw CommandError("no pairs to judge") }
            let judge = PairwiseJudge(model: try judgeModel.load(), mode: mode)
            let start = Date()
            let report = try await JudgeReport.evaluate(judge, pairs: list) { done in
                if done % 10 == 0 || done == list.count { note("judged \(done) of \(list.count)") }
            }
            let seconds = Date().timeIntervalSince(start)
            let source = pairs ?? "\(arithmetic) arithmetic pairs (seed \(seed))"
            let table = report.table() + "\n\nPairs: \(source). \(String(format: "%.0f", seconds)) s. Command: `"
                + (["tern judge bias"] + CommandLine.arguments.dropFirst(3)).joined(separator: " ") + "`.\n"
            print(table)
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try (try jsonLine(report) + "\n").write(toFile: out + "/results.json", atomically: true, encoding: .utf8)
                try table.write(toFile: out + "/table.md", atomically: true, encoding: .utf8)
            } catch {
                throw CommandError("cannot write to \(out) (\(error.localizedDescription))")
            }
            note("wrote \(out)/results.json, \(out)/table.md")
        }

        static func read(_ path: String) throws -> [JudgePair] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("cannot read \(path)") }
            return try text.split(whereSeparator: \.isNewline).enumerated().map { i, line in
                do { return try JSONDecoder().decode(JudgePair.self, from: Data(line.utf8)) } catch {
                    throw CommandError("\(path):\(i + 1) is not a pair {\"question\", \"a\", \"b\", \"better\"}: \(error.localizedDescription)")
                }
            }
        }

        /// Each problem's worked solution against one with a slip of ±1…3 in its last step, the
        /// right one first in even-numbered pairs.
        static func arithmeticPairs(count: Int, seed: UInt64) -> [JudgePair] {
            ArithmeticProblems.generate(count: count, seed: seed).enumerated().map { i, p in
                let delta = [1, 2, 3, -1, -2, -3][i % 6], slip = ArithmeticProblems.slipped(p, by: p.answer + delta < 0 ? -delta : delta)
                return i % 2 == 0 ? JudgePair(question: p.question, a: p.solution, b: slip, better: .a)
                    : JudgePair(question: p.question, a: slip, b: p.solution, better: .b)
            }
        }
    }
}

private func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
