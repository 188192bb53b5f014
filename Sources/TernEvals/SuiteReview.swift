import Foundation
import TernLM

/// Human review of a run (`tern eval review DIR`): a person marks outputs acceptable or not, the
/// verdicts are kept in `DIR/review.json` (a second sitting goes on where the first stopped), and
/// the model-graded assertions are scored against them: is the judge trustworthy?
public struct SuiteReview: Sendable {
    public struct Verdict: Sendable, Codable, Hashable {
        public var rolloutID: String
        public var provider: String
        public var prompt: String
        public var acceptable: Bool
        public init(rolloutID: String, provider: String, prompt: String, acceptable: Bool) {
            self.rolloutID = rolloutID
            self.provider = provider
            self.prompt = prompt
            self.acceptable = acceptable
        }
    }

    /// How often an assertion (or the case's overall pass) agrees with the human verdicts.
    public struct Agreement: Sendable, Codable, Hashable {
        public var check: String
        public var agree: Int
        public var total: Int
        /// Cohen's kappa: agreement beyond what chance gives (1 perfect, 0 chance, < 0 worse).
        public var kappa: Double
        public var rate: Double { total == 0 ? 0 : Double(agree) / Double(total) }
    }

    public var verdicts: [Verdict]

    public init(verdicts: [Verdict] = []) { self.verdicts = verdicts }

    public static func key(_ row: SuiteResults.Row) -> String { row.provider + "\u{1}" + row.prompt + "\u{1}" + row.rolloutID }

    public static func read(_ path: String) -> SuiteReview {
        guard let data = FileManager.default.contents(atPath: path),
              let v = try? JSONDecoder().decode([Verdict].self, from: data) else { return SuiteReview() }
        return SuiteReview(verdicts: v)
    }

    public func write(_ path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try e.encode(verdicts).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public func reviewed(_ row: SuiteResults.Row) -> Bool {
        verdicts.contains { $0.rolloutID == row.rolloutID && $0.provider == row.provider && $0.prompt == row.prompt }
    }

    /// The rows to show: the failures, or `sample` passes chosen with a seed, not yet reviewed.
    public func queue(_ r: SuiteResults, passes sample: Int?, seed: UInt64 = 0) -> [SuiteResults.Row] {
        let open = r.rows.filter { !reviewed($0) }
        guard let sample else { return open.filter { !$0.passed } }
        var random = SeededGenerator(seed: seed)
        return Array(open.filter(\.passed).shuffled(using: &random).prefix(sample))
    }

    /// Agreement of each model-graded assertion type, and of the overall pass, with the verdicts.
    public func agreement(with r: SuiteResults) -> [Agreement] {
        var pairs: [String: [(Bool, Bool)]] = [:]  // check → (model says pass, human says acceptable)
        for v in verdicts {
            guard let row = r.rows.first(where: { $0.rolloutID == v.rolloutID && $0.provider == v.provider && $0.prompt == v.prompt }) else { continue }
            pairs["case passes", default: []].append((row.passed, v.acceptable))
            for o in row.outcomes where Assertion.modelGraded.contains(o.assertion.replacingOccurrences(of: "not-", with: "")) {
                pairs[o.assertion, default: []].append((o.passed, v.acceptable))
            }
        }
        return pairs.sorted { $0.key < $1.key }.map { check, p in
            let n = Double(p.count), agree = p.filter { $0.0 == $0.1 }.count
            let po = Double(agree) / n
            let m = Double(p.filter(\.0).count) / n, h = Double(p.filter(\.1).count) / n
            let pe = m * h + (1 - m) * (1 - h)
            return Agreement(check: check, agree: agree, total: p.count, kappa: pe >= 1 ? (po == 1 ? 1 : 0) : (po - pe) / (1 - pe))
        }
    }
}
