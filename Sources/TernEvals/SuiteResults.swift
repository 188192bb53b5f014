import Foundation
import TernLM

/// A suite run: every output with its checks, the pass rate of each prompt × provider, and the
/// A/B comparisons between them. Written as `results.json`; `SuiteReport` draws it as HTML.
public struct SuiteResults: Sendable, Codable {
    public var description: String
    public var started: Double
    public var seconds: Double
    public var prompts: [String]
    public var providers: [String]
    public var repeats: Int
    public var rows: [Row]

    public init(description: String, started: Double, seconds: Double, prompts: [String], providers: [String], repeats: Int, rows: [Row]) {
        self.description = description
        self.started = started
        self.seconds = seconds
        self.prompts = prompts
        self.providers = providers
        self.repeats = repeats
        self.rows = rows
    }

    public struct Row: Sendable, Codable {
        public var prompt: String
        public var provider: String
        public var caseIndex: Int
        public var description: String
        public var vars: [String: String]
        public var repeatIndex: Int
        /// The calls' rollout id in the trace store (`tern traces` shows them).
        public var rolloutID: String
        public var output: String
        public var outcomes: [Assertion.Outcome]
        /// Weighted mean of the assertions' scores, 0...1.
        public var score: Double
        public var passed: Bool
        public var latencyMs: Double = 0
        public var tokens: Int = 0
        /// The call failed; the case counts as failed.
        public var error: String?

        public init(prompt: String, provider: String, caseIndex: Int, description: String, vars: [String: String], repeatIndex: Int,
                    rolloutID: String, output: String, outcomes: [Assertion.Outcome], score: Double, passed: Bool) {
            self.prompt = prompt
            self.provider = provider
            self.caseIndex = caseIndex
            self.description = description
            self.vars = vars
            self.repeatIndex = repeatIndex
            self.rolloutID = rolloutID
            self.output = output
            self.outcomes = outcomes
            self.score = score
            self.passed = passed
        }
    }

    /// One prompt on one provider.
    public struct Column: Sendable, Codable, Hashable {
        public var prompt: String
        public var provider: String
        public var label: String { provider + " · " + prompt }
    }

    public struct Summary: Sendable, Codable {
        public var column: Column
        public var passed: Int
        public var total: Int
        public var passRate: Double
        public var meanScore: Double
    }

    public var columns: [Column] {
        providers.flatMap { pr in prompts.map { Column(prompt: $0, provider: pr) } }
    }

    public var summaries: [Summary] {
        columns.map { col in
            let rs = rows.filter { $0.prompt == col.prompt && $0.provider == col.provider }
            let passed = rs.filter(\.passed).count
            return Summary(column: col, passed: passed, total: rs.count, passRate: rs.isEmpty ? 0 : Double(passed) / Double(rs.count),
                           meanScore: rs.isEmpty ? 0 : rs.reduce(0) { $0 + $1.score } / Double(rs.count))
        }
    }

    /// The overall pass rate.
    public var passRate: Double { rows.isEmpty ? 0 : Double(rows.filter(\.passed).count) / Double(rows.count) }

    /// Each column against the first (with two columns, the one comparison).
    public var comparisons: [PairedBootstrap.Comparison] {
        let cols = columns
        guard cols.count > 1 else { return [] }
        return cols.dropFirst().map { b in
            PairedBootstrap.compare(a: matrix(cols[0]), b: matrix(b), labels: (cols[0].label, b.label))
        }
    }

    /// Pass (1) or fail (0) per case and repeat, for a column.
    func matrix(_ col: Column) -> [[Double]] {
        let rs = rows.filter { $0.prompt == col.prompt && $0.provider == col.provider }
        let cases = Set(rs.map(\.caseIndex)).sorted()
        return cases.map { c in rs.filter { $0.caseIndex == c }.sorted { $0.repeatIndex < $1.repeatIndex }.map { $0.passed ? 1 : 0 } }
    }

    /// `results.json`: the rows, the summaries and the comparisons.
    public func json() throws -> Data {
        struct File: Encodable {
            var results: SuiteResults
            var summary: [Summary]
            var comparisons: [PairedBootstrap.Comparison]
            var passRate: Double
        }
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(File(results: self, summary: summaries, comparisons: comparisons, passRate: passRate))
    }

    public static func read(_ path: String) throws -> SuiteResults {
        struct File: Decodable { var results: SuiteResults }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Suite.SuiteError("cannot read \(path): give the folder `tern eval SUITE --out DIR` wrote")
        }
        do { return try JSONDecoder().decode(File.self, from: data).results } catch {
            throw Suite.SuiteError("\(path) is not a results.json written by tern eval")
        }
    }

    /// The terminal table: pass rate per prompt (rows) × provider (columns), then the comparisons.
    public var table: String {
        let sums = summaries
        let width = max(8, (prompts.map(\.count).max() ?? 6) + 2)
        let colWidth = max(14, (providers.map(\.count).max() ?? 0) + 2)
        var out = "prompt".padding(toLength: width, withPad: " ", startingAt: 0)
            + providers.map { $0.count >= colWidth ? $0 : String(repeating: " ", count: colWidth - $0.count) + $0 }.joined() + "\n"
        for p in prompts {
            out += p.padding(toLength: width, withPad: " ", startingAt: 0)
            for pr in providers {
                let s = sums.first { $0.column.prompt == p && $0.column.provider == pr }!
                let cell = String(format: "%d/%d %5.1f%%", s.passed, s.total, 100 * s.passRate)
                out += String(repeating: " ", count: max(1, colWidth - cell.count)) + cell
            }
            out += "\n"
        }
        for c in comparisons { out += c.sentence + "\n" }
        return out
    }
}

/// A/B with honesty: the difference in pass rate between two columns with a 95% confidence
/// interval from a paired bootstrap (cases resampled, and each case's repeats resampled within
/// it, the same draws for both sides), and whether it is distinguishable from zero.
public enum PairedBootstrap {
    public struct Comparison: Sendable, Codable, Hashable {
        public var a: String
        public var b: String
        /// Pass rate of b minus pass rate of a.
        public var difference: Double
        public var low: Double
        public var high: Double
        public var cases: Int
        public var significant: Bool { low > 0 || high < 0 }

        public var sentence: String {
            let verdict = significant ? (difference > 0 ? "better" : "worse") : "not significantly different (the interval holds 0)"
            return String(format: "%@ vs %@: %+.1f points [95%% CI %+.1f, %+.1f] over %d cases: %@", b, a,
                          100 * difference, 100 * low, 100 * high, cases, verdict)
        }
    }

    /// `a[i][r]`, `b[i][r]`: case i's result on repeat r (paired by case and repeat index).
    public static func compare(a: [[Double]], b: [[Double]], labels: (String, String), resamples: Int = 10_000, seed: UInt64 = 0) -> Comparison {
        let n = min(a.count, b.count)
        func mean(_ x: [[Double]]) -> Double {
            let flat = x.prefix(n).map { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) }
            return flat.isEmpty ? 0 : flat.reduce(0, +) / Double(flat.count)
        }
        let observed = mean(b) - mean(a)
        guard n > 0 else { return Comparison(a: labels.0, b: labels.1, difference: 0, low: 0, high: 0, cases: 0) }
        var random = SeededGenerator(seed: seed)
        var diffs: [Double] = []
        diffs.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var total = 0.0
            for _ in 0..<n {
                let i = Int.random(in: 0..<n, using: &random)
                let k = min(a[i].count, b[i].count)
                guard k > 0 else { continue }
                var d = 0.0
                for _ in 0..<k {
                    let r = Int.random(in: 0..<k, using: &random)
                    d += b[i][r] - a[i][r]
                }
                total += d / Double(k)
            }
            diffs.append(total / Double(n))
        }
        diffs.sort()
        let lo = diffs[Int(0.025 * Double(resamples - 1))], hi = diffs[Int(0.975 * Double(resamples - 1))]
        return Comparison(a: labels.0, b: labels.1, difference: observed, low: lo, high: hi, cases: n)
    }
}
