import TernLM
/// Finds the body of the first Markdown code fence in model output.
///
/// Models wrap structured answers in ```` ```json ```` fences far more often than not. A fence only
/// counts when its backticks open a line, so a JSON string that happens to contain three backticks
/// mid-line is not mistaken for one. An unclosed fence (output cut off) runs to the end of the text.
///
/// ```swift
/// let s = Array("Sure:\n```json\n{}\n```".unicodeScalars)
/// let body = CodeFence.body(of: s)   // the range covering "{}\n"
/// ```
enum CodeFence {
    static func body(of s: [Unicode.Scalar]) -> Range<Int> {
        guard let open = fenceStart(in: s, from: 0) else { return 0..<s.count }
        // The info string ("json", "yaml", "JSON5" …) runs to the end of the opening line.
        var start = open + 3
        while start < s.count, s[start] == "`" { start += 1 }
        while start < s.count, s[start] != "\n" { start += 1 }
        if start < s.count { start += 1 }
        let end = fenceStart(in: s, from: start) ?? s.count
        return start..<max(start, end)
    }

    /// Index of the first "```" that is preceded on its line only by spaces or tabs.
    private static func fenceStart(in s: [Unicode.Scalar], from: Int) -> Int? {
        var i = from
        var atLineStart = from == 0 || s[from - 1] == "\n"
        while i < s.count {
            let c = s[i]
            if c == "\n" { atLineStart = true; i += 1; continue }
            if atLineStart, c == "`", i + 2 < s.count, s[i + 1] == "`", s[i + 2] == "`" { return i }
            if c != " " && c != "\t" { atLineStart = false }
            i += 1
        }
        return nil
    }
}
