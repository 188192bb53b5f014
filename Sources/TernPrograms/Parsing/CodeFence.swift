import TernLM
/// Finds the body of the first Markdown code fence in model output.
///
/// Models wrap structured answers in ```` ```json ```` fences far more often than not. A fence only
/// counts when its backticks open or end a line, so a JSON string that happens to contain three
/// backticks mid-line is not mistaken for one. An unclosed fence (output cut off) runs to the end of the text.
///
/// ```swift
/// let s = Array("Sure:\n```json\n{}\n```".unicodeScalars)
/// let body = CodeFence.body(of: s)   // the range covering "{}\n"
/// ```
enum CodeFence {
    static func body(of s: [Unicode.Scalar]) -> Range<Int> {
        guard let open = fenceStart(in: s, from: 0, opening: true) else { return 0..<s.count }
        // The info string ("json", "yaml", "JSON5" …) runs to the end of the opening line.
        var start = open + 3
        while start < s.count, s[start] == "`" { start += 1 }
        while start < s.count, s[start] != "\n" { start += 1 }
        if start < s.count { start += 1 }
        let end = fenceStart(in: s, from: start, opening: false) ?? s.count
        return start..<max(start, end)
    }

    /// Index of the first "```" that opens its line (spaces or tabs before it), or that ends its
    /// line: an opening fence after prose ("Sure! ```json⏎") is followed by an info string and a
    /// line break; a closing one after the value ("}```") by nothing but spaces.
    private static func fenceStart(in s: [Unicode.Scalar], from: Int, opening: Bool) -> Int? {
        var i = from
        var atLineStart = from == 0 || s[from - 1] == "\n"
        while i < s.count {
            let c = s[i]
            if c == "\n" { atLineStart = true; i += 1; continue }
            if c == "`", i + 2 < s.count, s[i + 1] == "`", s[i + 2] == "`",
               atLineStart || endsLine(s, after: i + 3, allowingWord: opening) {
                return i
            }
            if c != " " && c != "\t" { atLineStart = false }
            i += 1
        }
        return nil
    }

    private static func endsLine(_ s: [Unicode.Scalar], after: Int, allowingWord: Bool) -> Bool {
        var j = after
        if allowingWord { while j < s.count, s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) { j += 1 } }
        while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
        return j == s.count || s[j] == "\n"
    }
}
