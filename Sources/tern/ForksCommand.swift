import ArgumentParser
import Foundation
import TernEngine
import TernLM
import TernSearch

struct Forks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forking paths: resample the continuation at every token of a path and report where the outcome forks.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .shortAndLong, help: "K continuations resampled at each position.") var samples = 8
    @Option(help: "Regular expression for the outcome; its first group (or the whole match) of the last match counts. Default: the last number.")
    var answer = #"(-?\d+(?:\.\d+)?)"#
    @Option(name: .customLong("max-tokens"), help: "Tokens in the base path.") var maxTokens = 48
    @Option(help: "Tokens a continuation may run past the base path's remaining length.") var slack = 16
    @Option(help: "Temperature of the resamples.") var temperature: Float = 1
    @Option(help: "Seed of the resamples.") var seed: UInt64 = 1
    @Option(name: .customLong("base-seed"), help: "Sample the base path from this seed (default: greedy).") var baseSeed: UInt64?
    @Option(help: "Stop generating at this text (repeatable).") var stop: [String] = []
    @Option(help: "Total-variation shift that marks a forking token.") var threshold = 0.5
    @Option(help: "Output path without extension: writes PATH.json and PATH.svg (and PATH.png when a converter is installed).")
    var out = "forks"
    @Option(name: .customLong("arithmetic-problem"), help: "Use problem K of `tern experiment ttc`'s seeded set (seed 1) as the prompt.")
    var arithmeticProblem: Int?
    @Argument(help: "The prompt.") var prompt: String?

    func validate() throws {
        guard samples >= 1, samples <= 64 else { throw ValidationError("--samples must be 1 to 64") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be ≥ 1") }
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
        guard (prompt == nil) != (arithmeticProblem == nil) else { throw ValidationError("give a prompt or --arithmetic-problem K, not both") }
        if let k = arithmeticProblem, k < 0 || k >= 1000 { throw ValidationError("--arithmetic-problem must be 0 to 999") }
    }

    /// The prompt text: given, or a seeded arithmetic problem in the experiment's few-shot format.
    private var text: String {
        arithmeticProblem.map { ArithmeticProblems.prompt(for: ArithmeticProblems.generate(count: $0 + 1, seed: 1)[$0]) } ?? prompt ?? ""
    }

    func run() throws {
        guard let regex = try? NSRegularExpression(pattern: answer) else {
            throw CommandError("--answer is not a valid regular expression: \(answer)")
        }
        let prompt = text
        let loaded = try modelOptions.load()
        let session = Session(loaded, contextSize: min(4096, loaded.model.contextLength))
        var options = ForkingPaths.Options(samples: samples, maxTokens: maxTokens)
        options.slack = slack
        options.temperature = temperature
        options.seed = seed
        options.baseSeed = baseSeed
        options.stop = stop
        options.threshold = threshold
        let ids = loaded.tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
        let report = try ForkingPaths(session: session).run(prompt: ids, options: options) { Self.outcome(regex, $0) }

        print("base path: \(report.baseText.debugDescription)  →  outcome \(report.baseOutcome)")
        for i in report.forkingTokens {
            let p = report.positions[i]
            print(String(format: "forking token %d %@  shift %.2f  P(base outcome) %.2f → %.2f  entropy %.2f nats", i, p.token.debugDescription,
                         p.shift, p.baseOutcomeProbability, i + 1 < report.positions.count ? report.positions[i + 1].baseOutcomeProbability : 1, p.entropy))
        }
        if report.forkingTokens.isEmpty { print("no forking token at threshold \(threshold)") }
        note(String(format: "%d positions × %d samples: %d tokens generated, %d prompt tokens evaluated, %.1f s",
                    report.positions.count, samples, report.generatedTokens, report.evaluatedPromptTokens, report.seconds))
        try write(report)
    }

    /// The first group (or the whole match) of the regex's last match.
    static func outcome(_ regex: NSRegularExpression, _ text: String) -> String? {
        let range = NSRange(text.startIndex..., in: text)
        guard let m = regex.matches(in: text, range: range).last else { return nil }
        let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
        return Range(r, in: text).map { String(text[$0]) }
    }

    private func write(_ report: ForkingPaths.Report) throws {
        struct File: Encodable {
            let model: String, prompt: String, answer: String, temperature: Float, threshold: Double
            let report: ForkingPaths.Report
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let file = File(model: modelOptions.model, prompt: text, answer: answer, temperature: temperature, threshold: threshold, report: report)
        let json = out + ".json", svg = out + ".svg"
        try encoder.encode(file).write(to: URL(fileURLWithPath: json), options: .atomic)
        try LineChart.stacked(charts(report)).write(toFile: svg, atomically: true, encoding: .utf8)
        note("wrote " + ([json, svg] + (PNGConverter.convert(svg: svg).map { [$0] } ?? [])).joined(separator: ", "))
    }

    /// Outcome probabilities along the path (the base outcome and the next most common ones) above
    /// the entropy per token; forking tokens are marked.
    private func charts(_ report: ForkingPaths.Report) -> [LineChart] {
        let ticks = report.positions.map { (x: Double($0.index), label: $0.token.replacingOccurrences(of: "\n", with: "\\n")) }
        var mass: [String: Double] = [:]
        for p in report.positions { for (o, v) in p.outcomes { mass[o, default: 0] += v } }
        let others = mass.keys.filter { $0 != report.baseOutcome }.sorted { mass[$0]! > mass[$1]! || (mass[$0]! == mass[$1]! && $0 < $1) }
        var outcomes = LineChart(title: "P(outcome) when resampling from each token (\(report.samples) samples)",
                                 xLabel: "token of the base path", yLabel: "probability")
        outcomes.yRange = 0...1
        for o in [report.baseOutcome] + others.prefix(4) {
            outcomes.series.append(.init(name: o == report.baseOutcome ? "\(o) (base)" : o,
                                         points: report.positions.map { (Double($0.index), $0.outcomes[o] ?? 0) }))
        }
        var entropy = LineChart(title: "Entropy of the next-token distribution", xLabel: "token of the base path", yLabel: "nats")
        entropy.series = [.init(name: "entropy", points: report.positions.map { (Double($0.index), $0.entropy) })]
        for i in [0, 1] {
            var c = i == 0 ? outcomes : entropy
            c.xTicks = ticks
            c.slantedXLabels = true
            c.markers = report.forkingTokens.map(Double.init)
            c.width = max(720, 160 + 18 * Double(report.positions.count))
            if i == 0 { outcomes = c } else { entropy = c }
        }
        return [outcomes, entropy]
    }
}
