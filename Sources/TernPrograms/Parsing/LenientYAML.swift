import Foundation
import TernLM

/// Parses the YAML subset models write into a ``JSONValue``, forgiving their usual mistakes.
///
/// Supported: block mappings and sequences nested by indentation (including `- key: v` items and
/// sequences at their key's indentation), plain, single- and double-quoted scalars, `|` and `>`
/// block scalars with chomping indicators, flow `[a, b]` and `{a: 1}` collections (so JSON is
/// accepted too), comments, and `---` / `...` markers (only the first document is read).
/// Scalars are typed by the YAML 1.2 core schema: `yes`, `on` and `no` stay strings.
///
/// Recovered mistakes: code fences and prose around the document, unquoted colons inside values
/// (`title: Note: read this`), tabs used as indentation, and indentation that is one space off.
///
/// ```swift
/// let value = try LenientYAML.parse("""
///     ```yaml
///     title: Note: read this
///     tags:
///     - a
///     - b
///     ```
///     """)
/// // .object(["title": .string("Note: read this"), "tags": .array([.string("a"), .string("b")])])
/// ```
public enum LenientYAML {
    public static func parse(_ text: String) throws -> JSONValue {
        let scalars = Array(text.unicodeScalars)
        let body = CodeFence.body(of: scalars)
        let bodyText = String(String.UnicodeScalarView(scalars[body]))
        let firstLine = scalars[..<body.lowerBound].filter { $0 == "\n" }.count + 1
        let lines = YAMLLine.split(bodyText, firstLineNumber: firstLine)
        guard lines.contains(where: { !$0.isBlank }) else {
            throw ParseError(message: "no YAML value found: the input is empty", line: firstLine, column: 1, excerpt: "")
        }
        let document = YAMLProse.trim(lines)
        guard !document.isEmpty else {
            let line = lines.first { !$0.isBlank }!
            throw ParseError(message: "no YAML value found: the text reads as prose", line: line.number,
                             column: line.indent + 1, excerpt: String(line.text.prefix(32)))
        }
        var parser = YAMLBlockParser(lines: document)
        return try parser.parseDocument()
    }
}

/// One source line with its indentation measured and removed.
struct YAMLLine {
    /// 1-based line number in the original input, for error messages.
    let number: Int
    /// Indentation in columns, tabs counted as one indentation unit of the document.
    let indent: Int
    /// The line after its indentation, with trailing "\r" removed.
    let text: String

    var isBlank: Bool { text.allSatisfy { $0 == " " || $0 == "\t" } }
    var isComment: Bool { text.hasPrefix("#") }
    /// Blank and comment lines carry no structure (outside block scalars).
    var isTrivia: Bool { isBlank || isComment }
    var isSequenceItem: Bool { text == "-" || text.hasPrefix("- ") || text.hasPrefix("-\t") }

    /// Splits text into lines. A tab in leading indentation counts as the document's space
    /// indentation unit (2 when it has none), so a file indented with tabs throughout, or with a
    /// stray tab, nests the way it looks in an editor.
    static func split(_ text: String, firstLineNumber: Int) -> [YAMLLine] {
        let raw = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        let unit = raw.compactMap { line -> Int? in
            let lead = line.prefix { $0 == " " }
            guard !lead.isEmpty, line.dropFirst(lead.count).first.map({ $0 != "\t" && $0 != " " }) ?? false else { return nil }
            return lead.count
        }.min() ?? 2
        return raw.enumerated().map { offset, line in
            var indent = 0
            var rest = line[...]
            while let c = rest.first, c == " " || c == "\t" {
                indent += c == "\t" ? unit : 1
                rest = rest.dropFirst()
            }
            return YAMLLine(number: firstLineNumber + offset, indent: indent, text: String(rest))
        }
    }
}

/// Tells the document apart from the chat around it.
enum YAMLProse {
    /// Drops prose lines before the document and cuts at the first prose line after it (or at a
    /// second `---` / a `...`). A prose line is one that does not look like YAML structure, or
    /// whose "key" reads like a sentence ("Here is the config you asked for:").
    static func trim(_ lines: [YAMLLine]) -> [YAMLLine] {
        var start = 0
        while start < lines.count {
            let line = lines[start]
            if line.isBlank { start += 1; continue }
            if line.text.trimmingCharacters(in: .whitespaces) == "---" { start += 1; break }
            let next = lines[(start + 1)...].first { !$0.isTrivia }
            if isProse(line, next: next, leading: true) { start += 1; continue }
            break
        }
        var end = start
        var baseIndent: Int?
        while end < lines.count {
            let line = lines[end]
            let trimmed = line.text.trimmingCharacters(in: .whitespaces)
            if !line.isTrivia {
                if trimmed == "---" || trimmed == "..." { break }
                if baseIndent == nil { baseIndent = line.indent }
                if line.indent <= baseIndent!, isProse(line, next: nil, leading: false) { break }
            }
            end += 1
        }
        return Array(lines[start..<end])
    }

    static func isProse(_ line: YAMLLine, next: YAMLLine?, leading: Bool) -> Bool {
        let text = line.text
        if line.isTrivia || line.isSequenceItem { return false }
        if let first = text.first, "[{\"'|>&*!%@`".contains(first) { return false }
        if let (key, value) = YAMLScalar.splitKey(text) {
            if key.quoted { return false }
            let words = key.text.split(separator: " ").count
            if key.text.contains(where: { "!?,'’".contains($0) }) { return true }
            let empty = YAMLScalar.stripComment(value).isEmpty
            // "Here is the YAML you asked for:" is an introduction; "max retries per job: 3" is a key.
            if empty && words >= 4 { return true }
            // "Here it is:" with nothing nested under it introduces the document rather than
            // being a key of it.
            if leading, words >= 2, empty {
                guard let next else { return true }
                return !(next.indent > line.indent || (next.indent == line.indent && next.isSequenceItem))
            }
            return false
        }
        let words = text.split(separator: " ").count
        return words >= 2 || text.hasSuffix(".") || text.hasSuffix("!") || text.hasSuffix("?")
    }
}
