import Foundation

/// A verifiable constraint on a response, in the style of instruction-following data sets
/// (IFEval, Nemotron-4's synthetic prompts): how it is asked for, and a function that checks it.
///
///     let c = Constraint.maxWords(50)
///     c.instruction           // "Answer in at most 50 words."
///     c.verify("Short.")      // true
public enum Constraint: Sendable, Codable, Hashable {
    case maxWords(Int)
    case minWords(Int)
    /// Paragraphs are separated by a blank line.
    case paragraphs(Int)
    case includes(String)
    case excludes(String)
    /// The whole response is one JSON object.
    case json
    case lowercase
    case endsWith(String)
    /// Lines starting with "- " or "* ".
    case bullets(Int)

    public var instruction: String {
        switch self {
        case .maxWords(let n): return "Answer in at most \(n) words."
        case .minWords(let n): return "Answer in at least \(n) words."
        case .paragraphs(let n): return "Write exactly \(n) paragraphs, separated by a blank line."
        case .includes(let w): return "Use the word \"\(w)\" in your answer."
        case .excludes(let w): return "Do not use the word \"\(w)\"."
        case .json: return "Answer with a JSON object only."
        case .lowercase: return "Write everything in lowercase letters."
        case .endsWith(let s): return "End your answer with the exact phrase \"\(s)\"."
        case .bullets(let n): return "Answer with exactly \(n) bullet points, each on its own line starting with \"- \"."
        }
    }

    /// A short name for reports ("max_words", "json", …).
    public var kind: String {
        switch self {
        case .maxWords: return "max_words"
        case .minWords: return "min_words"
        case .paragraphs: return "paragraphs"
        case .includes: return "includes"
        case .excludes: return "excludes"
        case .json: return "json"
        case .lowercase: return "lowercase"
        case .endsWith: return "ends_with"
        case .bullets: return "bullets"
        }
    }

    public func verify(_ response: String) -> Bool {
        let text = response.trimmingCharacters(in: .whitespacesAndNewlines)
        switch self {
        case .maxWords(let n): return !text.isEmpty && Self.words(text).count <= n
        case .minWords(let n): return Self.words(text).count >= n
        case .paragraphs(let n): return Self.paragraphs(text).count == n
        case .includes(let w): return Self.words(text.lowercased()).contains(w.lowercased())
        case .excludes(let w): return !text.isEmpty && !Self.words(text.lowercased()).contains(w.lowercased())
        case .json:
            guard let data = text.data(using: .utf8) else { return false }
            return (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
        case .lowercase: return !text.isEmpty && text == text.lowercased() && text.contains { $0.isLetter }
        case .endsWith(let s): return text.hasSuffix(s)
        case .bullets(let n):
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return lines.count == n && lines.allSatisfy { $0.hasPrefix("- ") || $0.hasPrefix("* ") }
        }
    }

    /// The response rewritten to meet a layout constraint, keeping the model's own words (the
    /// repair step of rejection-sampling pipelines such as AutoIF's): lowercase it, add the closing
    /// phrase, wrap it as a JSON object, or lay its sentences out as paragraphs or bullets. Nil for
    /// constraints on content (word counts, keywords), which only the model can meet, and when the
    /// text has too few sentences for the layout. The result still goes through `verify`.
    public func repair(_ response: String) -> String? {
        let text = response.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        switch self {
        case .maxWords, .minWords, .includes, .excludes: return nil
        case .lowercase: return text.lowercased()
        case .endsWith(let s): return text.hasSuffix(s) ? text : text + " " + s
        case .json:
            guard let data = try? JSONSerialization.data(withJSONObject: ["answer": Self.sentences(text).joined(separator: " ")],
                                                         options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
            return String(decoding: data, as: UTF8.self)
        case .paragraphs(let n):
            let s = Self.sentences(text)
            guard s.count >= n else { return nil }
            // Sentences in n runs of near-equal length, in order.
            return (0..<n).map { i in s[(i * s.count / n)..<((i + 1) * s.count / n)].joined(separator: " ") }.joined(separator: "\n\n")
        case .bullets(let n):
            let s = Self.sentences(text)
            guard s.count >= n else { return nil }
            return s.prefix(n).map { "- " + $0 }.joined(separator: "\n")
        }
    }

    /// Sentences of a response with any list markers and line breaks taken out.
    static func sentences(_ text: String) -> [String] {
        let flat = text.split(whereSeparator: \.isNewline).map { line -> String in
            var t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("- ") || t.hasPrefix("* ") || t.hasPrefix("• ") { t.removeFirst(2) }
            return t
        }.filter { !$0.isEmpty }.joined(separator: " ")
        var out: [String] = [], current = ""
        for ch in flat {
            current.append(ch)
            if ".!?".contains(ch) {
                let t = current.trimmingCharacters(in: .whitespaces)
                if Self.words(t).count >= 2 { out.append(t); current = "" }
            }
        }
        let rest = current.trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { if Self.words(rest).count >= 2 || out.isEmpty { out.append(rest) } else { out[out.count - 1] += " " + rest } }
        return out
    }

    /// Words: runs of letters, digits and apostrophes (punctuation does not count).
    static func words(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
    }

    package static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n").split { $0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.joined(separator: "\n") }
    }
}
