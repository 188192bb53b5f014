import Foundation

/// Pulls the final answer out of a solution, in a canonical form so equal answers compare equal.
public enum AnswerExtractor {
    /// The contents of the last `\boxed{…}` (braces balanced).
    public static func boxed(_ text: String) -> String? {
        guard let r = text.range(of: "\\boxed{", options: .backwards) else { return nil }
        var depth = 1, out = ""
        for ch in text[r.upperBound...] {
            if ch == "{" { depth += 1 } else if ch == "}" { depth -= 1; if depth == 0 { return canonical(out) } }
            out.append(ch)
        }
        return nil
    }

    /// What follows the last "Answer:" on its line.
    public static func answerLine(_ text: String) -> String? {
        guard let r = text.range(of: "Answer:", options: [.backwards, .caseInsensitive]) else { return nil }
        let line = text[r.upperBound...].prefix { $0 != "\n" }
        let a = canonical(String(line))
        return a.isEmpty ? nil : a
    }

    /// Trimmed, lowercased, end punctuation and thousands separators dropped; numbers as numbers
    /// ("42.0" and "42" agree).
    public static func canonical(_ s: String) -> String {
        var t = s.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        t = t.trimmingCharacters(in: CharacterSet(charactersIn: ".!,;$ "))
        let noCommas = t.replacingOccurrences(of: ",", with: "")
        if let d = Double(noCommas) { return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d) }
        return t
    }
}
