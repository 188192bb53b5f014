import Foundation
import TernLM

/// Runs a program over a dataset, scores every prediction with a metric, and reports the mean
/// with a per-example table. Runs `concurrency` examples at a time, shows a progress bar on
/// stderr, and stores the result (every row) in the trace store when there is one.
///
///     let result = try await Evaluate(devset: dev, metric: .exactMatch("label"), concurrency: 2).run(program, context: ctx)
///     print(result.table())      // and result.score, e.g. 61.0
public struct Evaluate: Sendable {
    public var devset: [Example]
    public var metric: Metric
    public var concurrency: Int
    public var progress: Bool
    /// Stored with the result ("eval" by default).
    public var name: String

    public init(devset: [Example], metric: Metric, concurrency: Int = 1, progress: Bool = true, name: String = "eval") {
        self.devset = devset
        self.metric = metric
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.name = name
    }

    public func run(_ program: any Module, context: ProgramContext) async throws -> EvaluationResult {
        let counter = CountingModel(context.lm)
        let ctx = context.with(lm: counter)
        let started = Date()
        let bar = ProgressBar(total: devset.count, enabled: progress, label: name)
        let rows: [EvaluationResult.Row] = try await context.span("evaluate", ["name": .string(name), "examples": .number(Double(devset.count))]) {
            var rows = [EvaluationResult.Row?](repeating: nil, count: devset.count)
            try await withThrowingTaskGroup(of: EvaluationResult.Row.self) { group in
                var next = 0, done = 0, total = 0.0
                func launch() {
                    let i = next, example = devset[i]
                    next += 1
                    group.addTask { try await score(i, example, program, ctx) }
                }
                while next < min(concurrency, devset.count) { launch() }
                while let row = try await group.next() {
                    rows[row.index] = row
                    done += 1
                    total += row.score
                    bar.update(done, score: total / Double(done))
                    if next < devset.count { launch() }
                }
            }
            return rows.compactMap { $0 }
        }
        bar.finish()
        let result = EvaluationResult(name: name, metric: metric.name, rows: rows, calls: counter.calls, tokens: counter.tokens)
        if let store = context.store {
            try store.record(EvaluationRecord(spanID: Span.current, name: name, model: context.lm.name,
                                              startedAt: started.timeIntervalSince1970, score: result.score,
                                              examples: rows.count, calls: counter.calls, rows: rows.canonicalJSON))
        }
        return result
    }

    private func score(_ i: Int, _ example: Example, _ program: any Module, _ ctx: ProgramContext) async throws -> EvaluationResult.Row {
        do {
            let p = try await program.forward(example, context: ctx)
            let m = try await metric(example, p)
            return .init(index: i, example: example, prediction: p.values, score: m.score, feedback: m.feedback, error: nil)
        } catch let e as ProgramError {
            throw e  // a budget or program bug stops the run
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // A reply that never parsed scores 0, as a wrong answer would.
            return .init(index: i, example: example, prediction: nil, score: 0, feedback: nil, error: "\(error)")
        }
    }
}

/// The outcome of `Evaluate.run`.
public struct EvaluationResult: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        public var index: Int
        public var example: Example
        public var prediction: [String: JSONValue]?
        public var score: Double
        public var feedback: String?
        public var error: String?
    }

    public var name: String
    public var metric: String
    public var rows: [Row]
    public var calls: Int
    public var tokens: Int

    /// Mean score as a percentage.
    public var score: Double { rows.isEmpty ? 0 : 100 * rows.reduce(0) { $0 + $1.score } / Double(rows.count) }

    /// One line per example (score, inputs, prediction or error), then the total.
    public func table(width: Int = 100) -> String {
        func cut(_ s: String, _ n: Int) -> String {
            let one = s.replacingOccurrences(of: "\n", with: " ")
            return one.count > n ? String(one.prefix(n - 1)) + "…" : one.padding(toLength: n, withPad: " ", startingAt: 0)
        }
        let half = max(20, (width - 12) / 2)
        var lines = ["  #  score  " + cut("example", half) + " " + "prediction"]
        for r in rows {
            let got = r.error.map { "error: \($0)" } ?? (r.prediction.map { JSONValue.object($0).canonicalJSON } ?? "")
            lines.append(String(format: "%3d  %5.2f  ", r.index, r.score) + cut(r.example.canonicalJSON, half) + " " + cut(got, half))
        }
        lines.append(String(format: "%@: %.1f%% over %d examples (%@), %d calls, %d tokens", name, score, rows.count, metric, calls, tokens))
        return lines.joined(separator: "\n")
    }
}
