import Foundation

/// The results of a `TTCExperiment`: a Markdown table, a JSON file and a plot of accuracy
/// against N for each strategy.
public struct TTCReport: Sendable, Codable {
    public var rows: [TTCExperiment.Row]
    public var configuration: TTCExperiment.Configuration
    public var seconds: Double
    public var model: String
    /// Problems solved at once (each worker an engine with its share of the threads).
    public var workers: Int
    public var threads: Int
    /// Prompt tokens the policy and the judge evaluated over the whole run.
    public var policyPrefilled: Int
    public var judgePrefilled: Int
    public var command: String

    public init(rows: [TTCExperiment.Row], configuration: TTCExperiment.Configuration, seconds: Double, model: String,
                workers: Int, threads: Int, policyPrefilled: Int, judgePrefilled: Int, command: String) {
        self.rows = rows
        self.configuration = configuration
        self.seconds = seconds
        self.model = model
        self.workers = workers
        self.threads = threads
        self.policyPrefilled = policyPrefilled
        self.judgePrefilled = judgePrefilled
        self.command = command
    }

    /// Accuracy (and average generated tokens) per strategy and N.
    public func table() -> String {
        let ns = configuration.budgets
        var s = "| strategy | " + ns.map { "N=\($0)" }.joined(separator: " | ") + " |\n"
        s += "|---|" + ns.map { _ in "---:" }.joined(separator: "|") + "|\n"
        for strategy in TTCExperiment.strategies {
            let cells = ns.map { n -> String in
                guard let r = rows.first(where: { $0.strategy == strategy && $0.n == n }) else { return "" }
                return String(format: "%.1f%% (%.0f tok, %.1f s)", 100 * r.accuracy, r.generatedTokens, r.seconds)
            }
            s += "| \(strategy) | " + cells.joined(separator: " | ") + " |\n"
        }
        let total = rows.first?.total ?? 0
        s += String(format: "\n%d problems, seed %llu, %@, %d worker(s) on %d thread(s); %.1f min. Cells: accuracy (policy tokens generated, seconds on one worker, per problem; per sample for \"%@\").\n",
                    total, configuration.seed, model, workers, threads, seconds / 60, TTCExperiment.singleSample)
        return s
    }

    public func chart() -> LineChart {
        var chart = LineChart(title: "Accuracy against test-time compute (\(rows.first?.total ?? 0) arithmetic problems, \(model))",
                              xLabel: "N (samples or beams per problem)", yLabel: "accuracy")
        chart.logX = true
        chart.xTicks = configuration.budgets.map { (Double($0), String($0)) }
        for strategy in TTCExperiment.strategies {
            let points = rows.filter { $0.strategy == strategy }.map { (x: Double($0.n), y: $0.accuracy) }
            chart.series.append(.init(name: strategy, points: points, dashed: strategy == "pass@N" || strategy == TTCExperiment.singleSample))
        }
        return chart
    }

    /// Writes results.json, table.md and accuracy.svg (and accuracy.png when a converter is
    /// installed) into `folder`, each atomically; returns their paths.
    public func write(to folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = (folder as NSString).appendingPathComponent("results.json")
        try encoder.encode(self).write(to: URL(fileURLWithPath: json), options: .atomic)
        let md = (folder as NSString).appendingPathComponent("table.md")
        try ("Command: `\(command)`\n\n" + table()).write(toFile: md, atomically: true, encoding: .utf8)
        let svg = (folder as NSString).appendingPathComponent("accuracy.svg")
        try chart().svg().write(toFile: svg, atomically: true, encoding: .utf8)
        return [json, md, svg] + (PNGConverter.convert(svg: svg).map { [$0] } ?? [])
    }
}
