import ArgumentParser
import Foundation
import TernEnsembles
import TernLM
import TernSearch

extension Experiment {
    /// Self-MoA on the seeded arithmetic problems: N samples of the model as proposers, the same
    /// model aggregating greedily, against one greedy answer, one sample and a majority vote over
    /// the very proposals the aggregator saw.
    struct MoA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "moa",
            abstract: "Self-MoA against one answer and a majority vote on seeded arithmetic problems.")

        @OptionGroup var modelOptions: ModelOptions
        @Option(help: "How many problems (seeded).") var problems = 100
        @Option(help: "Seed of the problems and the samples.") var seed: UInt64 = 1
        @Option(help: "Proposers per layer (samples of the model).") var proposers = 4
        @Option(help: "Proposer layers before the aggregator.") var layers = 1
        @Option(help: "Proposers' sampling temperature (the aggregator is greedy).") var temperature = 0.7
        @Option(help: "Problems solved at once, each by its own engine (default: one per thread).") var workers: Int?
        @Option(help: "Folder for results.json and table.md.") var out = "docs/experiments/moa"

        struct Outcome: Codable {
            var question: String, answer: Int
            var greedy: String?, proposals: [[String?]], aggregated: String?, tokens: Int
        }

        func run() async throws {
            guard problems > 0, proposers > 0, layers > 0 else { throw CommandError("--problems, --proposers and --layers must be at least 1") }
            let count = max(1, workers ?? modelOptions.threads)
            var models: [LocalModel] = []
            for _ in 0..<count {
                let loaded = try modelOptions.load(threads: max(1, modelOptions.threads / count))
                models.append(try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: min(2048, loaded.model.contextLength)))
            }
            let list = ArithmeticProblems.generate(count: problems, seed: seed)
            let queue = WorkQueue(count: list.count), start = Date()
            let outcomes = try await withThrowingTaskGroup(of: [(Int, Outcome)].self) { group in
                for model in models {
                    group.addTask {
                        var done: [(Int, Outcome)] = []
                        while let i = queue.next() {
                            done.append((i, try await solve(list[i], index: i, model: model)))
                            let n = queue.finished()
                            if n % 10 == 0 || n == list.count { note(String(format: "problem %d/%d  %.0f s", n, list.count, Date().timeIntervalSince(start))) }
                        }
                        return done
                    }
                }
                var all: [(Int, Outcome)] = []
                for try await part in group { all += part }
                return all.sorted { $0.0 < $1.0 }.map(\.1)
            }
            let seconds = Date().timeIntervalSince(start)
            let table = report(outcomes, seconds: seconds)
            print(table)
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                try encoder.encode(outcomes).write(to: URL(fileURLWithPath: out + "/results.json"), options: .atomic)
                try table.write(toFile: out + "/table.md", atomically: true, encoding: .utf8)
            } catch {
                throw CommandError("cannot write to \(out) (\(error.localizedDescription))")
            }
            note("wrote \(out)/results.json, \(out)/table.md")
        }

        private func solve(_ problem: ArithmeticProblem, index: Int, model: LocalModel) async throws -> Outcome {
            let prompt = Prompt.text(ArithmeticProblems.prompt(for: problem))
            let parameters = GenerationParameters(temperature: 0, seed: seed &* 1_000_003 &+ UInt64(index), maxTokens: 64,
                                                  stop: ArithmeticProblems.stop)
            let greedy = try await model.complete(CompletionRequest(prompt, parameters: parameters))
            let moa = MixtureOfAgents.selfMoA(name: "self-moa", model: model, samples: proposers, layers: layers, temperature: temperature)
            let (answer, proposals) = try await moa.run(CompletionRequest(prompt, parameters: parameters))
            return Outcome(question: problem.question, answer: problem.answer, greedy: AnswerExtractor.answerLine(greedy.text),
                           proposals: proposals.map { $0.map { AnswerExtractor.answerLine($0.text) } },
                           aggregated: AnswerExtractor.answerLine(answer.text), tokens: answer.usage.completionTokens)
        }

        private func report(_ outcomes: [Outcome], seconds: Double) -> String {
            let n = Double(outcomes.count)
            func pct(_ k: Double) -> String { String(format: "%.1f%%", 100 * k / n) }
            let greedy = outcomes.filter { $0.greedy == String($0.answer) }.count
            let first = outcomes.map { o in Double(o.proposals[0].filter { $0 == String(o.answer) }.count) / Double(o.proposals[0].count) }
                .reduce(0, +)
            let vote = outcomes.filter { o in
                MajorityVote.select(o.proposals[0].map { Candidate(steps: [], answer: $0) })?.answer == String(o.answer)
            }.count
            let any = outcomes.filter { $0.proposals[0].contains(String($0.answer)) }.count
            let moa = outcomes.filter { $0.aggregated == String($0.answer) }.count
            let tokens = Double(outcomes.map(\.tokens).reduce(0, +)) / n
            return """
                | method | accuracy |
                |---|---:|
                | one greedy answer | \(pct(Double(greedy))) |
                | one sample at T = \(temperature) (mean of the first layer's \(proposers)) | \(pct(first)) |
                | majority vote over those \(proposers) samples | \(pct(Double(vote))) |
                | any of those \(proposers) right (pass@\(proposers)) | \(pct(Double(any))) |
                | **self-MoA**: \(layers) layer(s) of \(proposers) proposers, greedy aggregator | **\(pct(Double(moa)))** |

                \(outcomes.count) problems (seed \(seed)), \(modelOptions.model), \(String(format: "%.0f", seconds)) s; \
                \(String(format: "%.0f", tokens)) generated tokens per self-MoA answer. Command: \
                `\((["tern experiment moa"] + CommandLine.arguments.dropFirst(3)).joined(separator: " "))`.

                """
        }
    }
}
