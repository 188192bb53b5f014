import Foundation
import TernLM

/// A pair of answers to judge, and (when known) which one is better.
public struct JudgePair: Sendable, Codable, Hashable {
    public var question: String
    public var a: String
    public var b: String
    public var better: PairwiseJudge.Verdict?

    public init(question: String, a: String, b: String, better: PairwiseJudge.Verdict? = nil) {
        self.question = question
        self.a = a
        self.b = b
        self.better = better
    }
}

/// A pairwise judge run over labelled pairs: its position bias, and how often its counted
/// (order-consistent) verdicts are right, wrong, or left as ties by the swap.
///
///     let report = try await JudgeReport.evaluate(judge, pairs: pairs)
///     print(report.table())
public struct JudgeReport: Sendable, Codable {
    public var model: String
    public var mode: JudgeMode
    public var pairs: Int
    public var bias: PositionBias
    /// Order-consistent verdicts that pick the better answer, and those that pick the worse one.
    public var right: Int
    public var wrong: Int
    /// Comparisons left as ties (the two orders disagreed, or one named no verdict).
    public var ties: Int
    /// The share of single-order picks (either order) that name the better answer, as if the
    /// judge had been asked once.
    public var singleOrderAccuracy: Double
    public var judgments: [PairwiseJudge.Judgment]

    /// Judges every pair (both orders each); `progress` is told how many are done.
    public static func evaluate(_ judge: PairwiseJudge, pairs: [JudgePair],
                                progress: @Sendable (Int) -> Void = { _ in }) async throws -> JudgeReport {
        var judgments: [PairwiseJudge.Judgment] = []
        for (i, p) in pairs.enumerated() {
            judgments.append(try await judge.compare(question: p.question, a: p.a, b: p.b))
            progress(i + 1)
        }
        return JudgeReport(model: judge.model.name, mode: judge.mode, pairs: pairs, judgments: judgments)
    }

    public init(model: String, mode: JudgeMode, pairs: [JudgePair], judgments: [PairwiseJudge.Judgment]) {
        self.model = model
        self.mode = mode
        self.pairs = pairs.count
        self.judgments = judgments
        bias = PositionBias(judgments)
        let labelled = zip(pairs, judgments).filter { $0.0.better != nil }
        right = labelled.filter { $0.1.verdict != .tie && $0.1.verdict == $0.0.better }.count
        wrong = labelled.filter { $0.1.verdict != .tie && $0.1.verdict != $0.0.better }.count
        ties = judgments.filter { $0.verdict == .tie }.count
        let singles = labelled.flatMap { p, j in [j.inOrder, j.swapped].compactMap { $0 }.filter { $0 != .tie }.map { $0 == p.better } }
        singleOrderAccuracy = singles.isEmpty ? 0 : Double(singles.filter { $0 }.count) / Double(singles.count)
    }

    /// One Markdown table row under a header.
    public func table() -> String {
        func pct(_ n: Int) -> String { pairs == 0 ? "–" : String(format: "%.0f%%", 100 * Double(n) / Double(pairs)) }
        return """
            | judge | mode | pairs | flip rate | picks of the first-shown answer | counted right | counted wrong | ties | one order only: right |
            |---|---|---:|---:|---:|---:|---:|---:|---:|
            | \(model) | \(mode.rawValue) | \(pairs) | \(String(format: "%.0f%%", 100 * bias.flipRate)) (\(bias.flips)/\(bias.decided)) \
            | \(String(format: "%.0f%%", 100 * bias.firstShown)) | \(pct(right)) | \(pct(wrong)) | \(pct(ties)) \
            | \(String(format: "%.0f%%", 100 * singleOrderAccuracy)) |
            """
    }
}
