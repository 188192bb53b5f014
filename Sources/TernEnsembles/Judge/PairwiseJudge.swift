import Foundation
import TernLM

/// LLM-as-judge, pairwise with position swapping (as in the Nemotron-4 340B report): the judge
/// compares answers A and B, then again with their order swapped; a verdict counts only if both
/// orders pick the same answer, otherwise the comparison is a tie. Judges tend to favour one
/// position; `PositionBias` measures how often.
///
/// `.generate` (the default) asks a chat model to explain and end with "[[A]]", "[[B]]" or "[[C]]"
/// (tie). `.likelihood` suits base models and needs no parsing: the comparison is a plain-text
/// prompt ending "The better answer is Assistant", and each order's pick is whichever of " A" and
/// " B" the model finds more likely.
///
///     let judge = PairwiseJudge(model: model)
///     let j = try await judge.compare(question: "2 + 2?", a: "4", b: "5")
///     j.verdict   // .a when both orders prefer "4"; .tie when the verdict follows the position
public struct PairwiseJudge: Sendable {
    public enum Verdict: String, Sendable, Codable, Hashable { case a, b, tie }

    public struct Judgment: Sendable, Codable, Hashable {
        /// Counted only when both orders agree.
        public var verdict: Verdict
        /// The verdict with A shown first, and with B shown first (mapped back to A/B); nil when
        /// the judge's answer named no verdict.
        public var inOrder: Verdict?
        public var swapped: Verdict?
        /// The judge's two answers, for inspection.
        public var explanations: [String]
        public var consistent: Bool { inOrder != nil && inOrder == swapped }

        public init(verdict: Verdict, inOrder: Verdict?, swapped: Verdict?, explanations: [String]) {
            self.verdict = verdict
            self.inOrder = inOrder
            self.swapped = swapped
            self.explanations = explanations
        }
    }

    public let model: any LanguageModel
    public var mode: JudgeMode
    public var parameters: GenerationParameters

    public init(model: any LanguageModel, mode: JudgeMode = .generate,
                parameters: GenerationParameters = GenerationParameters(temperature: 0, maxTokens: 256)) {
        self.model = model
        self.mode = mode
        self.parameters = parameters
    }

    /// Both orders are asked as one batch (the local engine evaluates their shared start once).
    public func compare(question: String, a: String, b: String) async throws -> Judgment {
        let orders = [(a, b), (b, a)]
        let picks: [Verdict?], explanations: [String]
        switch mode {
        case .generate:
            let requests = orders.map { CompletionRequest(.chat([.user(Self.prompt(question: question, first: $0.0, second: $0.1))]), parameters: parameters) }
            let answers = try await model.complete(batch: requests)
            picks = answers.map { Self.parse($0.text) }
            explanations = answers.map(\.text)
        case .likelihood:
            let prompts = orders.map { Prompt.text(Self.likelihoodPrompt(question: question, first: $0.0, second: $0.1)) }
            let scores = try await model.score(prompts, continuations: [" A", " B"])
            let margins = scores.map { $0[0].total - $0[1].total }  // log P(A) − log P(B)
            picks = margins.map { $0 > 0 ? .a : $0 < 0 ? .b : .tie }
            explanations = margins.map { String(format: "log P(A) - log P(B) = %.3f", $0) }
        }
        let inOrder = picks[0]
        let swapped = picks[1].map { $0 == .a ? Verdict.b : $0 == .b ? .a : .tie }
        let verdict = inOrder != nil && inOrder == swapped ? inOrder! : .tie
        return Judgment(verdict: verdict, inOrder: inOrder, swapped: swapped, explanations: explanations)
    }

    /// A supervised fine-tuning example for a judge in generate mode: this judge's prompt for the
    /// pair, and a reply that gives `reason` and ends with the verdict's mark. Use both orders of a
    /// pair so that the verdict follows the answers, not their places.
    public static func trainingMessages(question: String, first: String, second: String, verdict: Verdict, reason: String) -> [Message] {
        let mark = verdict == .a ? "[[A]]" : verdict == .b ? "[[B]]" : "[[C]]"
        return [.user(prompt(question: question, first: first, second: second)), .assistant(reason + "\n\n" + mark)]
    }

    static let instructions = """
        Compare two assistants' answers to the user's question. Decide which answer is more helpful, \
        correct and relevant; do not let the order of the answers, their length or the assistants' \
        names sway you.
        """

    static func prompt(question: String, first: String, second: String) -> String {
        instructions + """
         Explain briefly, then end with your verdict on its own line: "[[A]]" if \
        assistant A is better, "[[B]]" if assistant B is better, "[[C]]" for a tie.


        """ + comparison(question: question, first: first, second: second)
    }

    static func likelihoodPrompt(question: String, first: String, second: String) -> String {
        instructions + "\n\n" + comparison(question: question, first: first, second: second) + "\n\nThe better answer is Assistant"
    }

    static func comparison(question: String, first: String, second: String) -> String {
        """
        [Question]
        \(question)

        [Assistant A's answer]
        \(first)

        [Assistant B's answer]
        \(second)
        """
    }

    /// The last "[[A]]", "[[B]]" or "[[C]]" (tie) in the answer; nil if there is none.
    package static func parse(_ text: String) -> Verdict? {
        let marks: [(String, Verdict)] = [("[[A]]", .a), ("[[B]]", .b), ("[[C]]", .tie)]
        let found = marks.compactMap { mark, v in text.range(of: mark, options: .backwards).map { ($0.lowerBound, v) } }
        return found.max { $0.0 < $1.0 }?.1
    }
}

/// How much a judge's verdicts follow the position of the answers rather than their content.
public struct PositionBias: Sendable, Codable, Hashable {
    /// Comparisons in which both orders named a verdict.
    public var decided: Int
    /// Of those, how many changed their pick when the order was swapped.
    public var flips: Int
    /// Of the single-order verdicts that picked an answer, the share that picked the one shown first.
    public var firstShown: Double
    public var flipRate: Double { decided == 0 ? 0 : Double(flips) / Double(decided) }

    public init(_ judgments: [PairwiseJudge.Judgment]) {
        let both = judgments.filter { $0.inOrder != nil && $0.swapped != nil }
        decided = both.count
        flips = both.filter { $0.inOrder != $0.swapped }.count
        // In order, "first shown" is A; swapped, it is B (mapped back).
        let picks = judgments.flatMap { j in [j.inOrder.map { ($0, PairwiseJudge.Verdict.a) }, j.swapped.map { ($0, PairwiseJudge.Verdict.b) }] }
            .compactMap { $0 }.filter { $0.0 != .tie }
        firstShown = picks.isEmpty ? 0 : Double(picks.filter { $0.0 == $0.1 }.count) / Double(picks.count)
    }
}
