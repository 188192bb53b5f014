import Foundation

/// One sampled answer as a reward sees it.
public struct Rollout: Sendable {
    public var prompt: TaskPrompt
    /// The answer's text (without the end-of-turn token).
    public var text: String
    /// Its length in tokens.
    public var tokens: Int
    /// Whether it ended by itself (end of turn) rather than at the token limit.
    public var finished: Bool

    public init(prompt: TaskPrompt, text: String, tokens: Int, finished: Bool) {
        self.prompt = prompt
        self.text = text
        self.tokens = tokens
        self.finished = finished
    }
}

/// A named reward: a score for one answer, and the weight it has in the total. Rewards compose
/// by listing them; the log keeps each one's mean.
///
///     let rewards: [Reward] = [.accuracy, .format, .languageConsistency(weight: 0.1)]
///     let total = Reward.total(rewards, for: rollout)
public struct Reward: Sendable {
    public let name: String
    public var weight: Double
    public let score: @Sendable (Rollout) -> Double

    public init(_ name: String, weight: Double = 1, score: @escaping @Sendable (Rollout) -> Double) {
        self.name = name
        self.weight = weight
        self.score = score
    }

    /// Σ weight · score.
    public static func total(_ rewards: [Reward], for rollout: Rollout) -> Double {
        rewards.reduce(0) { $0 + $1.weight * $1.score(rollout) }
    }

    /// 1 when the text inside `<answer>…</answer>` is what the task's verifier accepts, else 0
    /// (no answer tag: 0; DeepSeek-R1 asked for the answer in a fixed place, so that it can be checked).
    public static func accuracy(weight: Double = 1) -> Reward {
        Reward("accuracy", weight: weight) { r in r.prompt.isCorrect(r.text) ? 1 : 0 }
    }

    /// 1 when the whole answer is `<think>…</think>` then `<answer>…</answer>` (whitespace around
    /// them only) and it ended by itself; else 0.
    public static func format(weight: Double = 1) -> Reward {
        Reward("format", weight: weight) { r in ThinkAnswer(r.text).isWellFormed && r.finished ? 1 : 0 }
    }

    /// Partial credit for the format, for a start where no answer is well formed yet (R1-Zero from a
    /// small base model): 0.25 for each of `<think>`, `</think>`, `<answer>`, `</answer>` that appears
    /// exactly once (a tag written twice earns nothing).
    public static func tags(weight: Double = 1) -> Reward {
        Reward("tags", weight: weight) { r in
            ["<think>", "</think>", "<answer>", "</answer>"].reduce(0) { sum, tag in
                sum + (r.text.components(separatedBy: tag).count == 2 ? 0.25 : 0)
            }
        }
    }

    /// 1 when the last number in the answer (inside `<answer>` if there is one, else anywhere in the
    /// text) is what the verifier accepts: lenient accuracy that does not need the tags.
    public static func lastNumber(weight: Double = 1) -> Reward {
        Reward("number", weight: weight) { r in
            let text = ThinkAnswer(r.text).answer ?? r.text
            let numbers = text.split(whereSeparator: { !$0.isNumber && $0 != "-" }).compactMap { Int($0) }
            return numbers.last.map { r.prompt.verify(String($0)) ? 1 : 0 } ?? 0
        }
    }

    /// The share of the letters in the reasoning written in the prompt's script (DeepSeek-R1's
    /// language-consistency reward, by Unicode script: Latin, Cyrillic, Greek, Arabic, Hebrew,
    /// Devanagari, Thai, Hangul, Kana or Han). No reasoning tag: the whole text is the reasoning;
    /// no letters: 0.
    public static func languageConsistency(weight: Double = 1) -> Reward {
        Reward("language", weight: weight) { r in
            let want = Script.dominant(in: r.prompt.question)
            let reasoning = ThinkAnswer(r.text).think ?? r.text
            let letters = reasoning.unicodeScalars.compactMap(Script.init)
            guard !letters.isEmpty else { return 0 }
            return Double(letters.filter { $0 == want }.count) / Double(letters.count)
        }
    }

    /// DAPO's soft overlong punishment: 0 up to `limit − buffer` tokens, falling linearly to −1 at
    /// `limit` (and −1 for an answer cut at the limit).
    public static func length(limit: Int, buffer: Int, weight: Double = 1) -> Reward {
        Reward("length", weight: weight) { r in
            if !r.finished && r.tokens >= limit { return -1 }
            let start = limit - buffer
            guard r.tokens > start, buffer > 0 else { return 0 }
            return -min(1, Double(r.tokens - start) / Double(buffer))
        }
    }
}

/// An answer split into its reasoning and its final answer, as R1's template asks:
/// `<think> reasoning </think> <answer> final </answer>`.
public struct ThinkAnswer: Sendable, Equatable {
    public let think: String?
    public let answer: String?
    public let isWellFormed: Bool

    public init(_ text: String) {
        func inside(_ open: String, _ close: String, of s: Substring) -> (String, Range<String.Index>)? {
            guard let a = s.range(of: open), let b = s.range(of: close, range: a.upperBound..<s.endIndex) else { return nil }
            return (String(s[a.upperBound..<b.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines), a.lowerBound..<b.upperBound)
        }
        let all = Substring(text)
        let t = inside("<think>", "</think>", of: all)
        let a = inside("<answer>", "</answer>", of: t.map { all[$0.1.upperBound...] } ?? all)
        think = t?.0
        answer = a?.0
        if let t, let a {
            let before = all[..<t.1.lowerBound], between = all[t.1.upperBound..<a.1.lowerBound], after = all[a.1.upperBound...]
            isWellFormed = [before, between, after].allSatisfy { $0.allSatisfy(\.isWhitespace) } && !(t.0.isEmpty || a.0.isEmpty)
                && !t.0.contains("<think>") && !a.0.contains("<answer>")
        } else {
            isWellFormed = false
        }
    }
}

/// The writing system of a letter, for the language-consistency reward.
enum Script: Equatable {
    case latin, greek, cyrillic, hebrew, arabic, devanagari, thai, hangul, kana, han

    init?(_ s: Unicode.Scalar) {
        guard s.properties.isAlphabetic else { return nil }
        switch s.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF: self = .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: self = .greek
        case 0x400...0x52F: self = .cyrillic
        case 0x590...0x5FF: self = .hebrew
        case 0x600...0x6FF, 0x750...0x77F: self = .arabic
        case 0x900...0x97F: self = .devanagari
        case 0xE00...0xE7F: self = .thai
        case 0x1100...0x11FF, 0xAC00...0xD7AF: self = .hangul
        case 0x3040...0x30FF: self = .kana
        case 0x4E00...0x9FFF, 0x3400...0x4DBF: self = .han
        default: return nil
        }
    }

    /// The script most of `text`'s letters are in (Latin when it has none).
    static func dominant(in text: String) -> Script {
        var counts: [Script: Int] = [:]
        for s in text.unicodeScalars { if let k = Script(s) { counts[k, default: 0] += 1 } }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && "\($0.key)" > "\($1.key)") }?.key ?? .latin
    }
}
