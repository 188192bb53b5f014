import Foundation
import TernLM

/// Scalar-level YAML: finding the key colon, quoted strings, comments, core-schema typing, and
/// flow collections.
enum YAMLScalar {
    struct Key { let text: String; let quoted: Bool }

    /// Splits `key: value` at the first colon followed by a space, tab or the line end, so
    /// `title: Note: read this` keeps "Note: read this" as the value and `url: http://x` keeps its
    /// URL. Returns nil when the line is not a mapping entry.
    static func splitKey(_ text: String) -> (key: Key, value: String)? {
        guard let first = text.first, !"[{#|>".contains(first) else { return nil }
        if text == "-" || text.hasPrefix("- ") || text.hasPrefix("-\t") { return nil }
        if first == "\"" || first == "'" {
            guard let (key, rest) = quoted(Substring(text)) else { return nil }
            let after = rest.drop { $0 == " " || $0 == "\t" }
            guard after.first == ":" else { return nil }
            let value = after.dropFirst()
            guard value.isEmpty || value.first == " " || value.first == "\t" else { return nil }
            return (Key(text: key, quoted: true), String(value).trimmingCharacters(in: .whitespaces))
        }
        var index = text.startIndex
        var previous: Character = " "
        while index < text.endIndex {
            let c = text[index]
            if c == "#" && (previous == " " || previous == "\t") { return nil }
            if c == ":" {
                let next = text.index(after: index)
                if next == text.endIndex || text[next] == " " || text[next] == "\t" {
                    let key = text[..<index].trimmingCharacters(in: .whitespaces)
                    guard !key.isEmpty else { return nil }
                    return (Key(text: key, quoted: false), String(text[next...]).trimmingCharacters(in: .whitespaces))
                }
            }
            previous = c
            index = text.index(after: index)
        }
        return nil
    }

    /// Removes a trailing ` # comment` from a plain value.
    static func stripComment(_ text: String) -> String {
        if text.hasPrefix("#") { return "" }
        var previous: Character = " "
        for index in text.indices {
            if text[index] == "#" && (previous == " " || previous == "\t") {
                return text[..<index].trimmingCharacters(in: .whitespaces)
            }
            previous = text[index]
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Reads a single- or double-quoted scalar at the start of `text`; nil when unterminated.
    static func quoted(_ text: Substring) -> (String, rest: Substring)? {
        guard let quote = text.first else { return nil }
        var out = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let c = text[index]
            index = text.index(after: index)
            if quote == "'" {
                if c == "'" {
                    if index < text.endIndex && text[index] == "'" { out.append("'"); index = text.index(after: index); continue }
                    return (out, text[index...])
                }
                out.append(c)
                continue
            }
            if c == "\"" { return (out, text[index...]) }
            guard c == "\\", index < text.endIndex else { out.append(c); continue }
            let e = text[index]
            index = text.index(after: index)
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "0": out.append("\0")
            case "\n": break  // escaped line break joins lines
            case "x", "u", "U":
                let width = e == "x" ? 2 : e == "u" ? 4 : 8
                let end = text.index(index, offsetBy: width, limitedBy: text.endIndex) ?? text.endIndex
                if let code = UInt32(text[index..<end], radix: 16), let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                    index = end
                } else {
                    out.append("\\"); out.append(e)
                }
            default: out.append(e)
            }
        }
        return nil
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the core schema's int and float forms,
    /// matched by hand: Regex matching costs far more than the rest of a YAML parse.
    static func isNumber(_ u: [UInt8]) -> Bool {
        var i = 0
        func digits() -> Int {
            let start = i
            while i < u.count, u[i] >= UInt8(ascii: "0"), u[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
        var mantissa = digits()
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let fraction = digits()
            // ".5" needs its fraction; "5." is allowed.
            if mantissa == 0 && fraction == 0 { return false }
            mantissa += fraction
        }
        guard mantissa > 0 else { return false }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == u.count
    }

    /// Types a plain scalar by the YAML 1.2 core schema.
    static func resolve(_ plain: String) -> JSONValue {
        switch plain {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .number(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .number(-.infinity)
        case ".nan", ".NaN", ".NAN": return .null  // NaN has no JSON form and breaks equality
        default: break
        }
        let u = Array(plain.utf8)
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "x") || u[1] == UInt8(ascii: "o"),
           let n = UInt64(plain.dropFirst(2), radix: u[1] == UInt8(ascii: "x") ? 16 : 8) {
            return .number(Double(n))
        }
        if isNumber(u) {
            var text = plain.hasPrefix("+") ? String(plain.dropFirst()) : plain
            if text.hasSuffix(".") { text += "0" }
            if text.hasPrefix(".") { text = "0" + text } else if text.hasPrefix("-.") { text = "-0" + text.dropFirst() }
            if let n = Double(text) { return .number(n) }
        }
        return .string(plain)
    }
}

/// Flow collections (`[a, b]`, `{a: 1}`), which also covers JSON written where YAML was asked for.
/// Unclosed brackets at the end of the text are closed, as models get cut off.
struct YAMLFlowParser {
    let s: [Character]
    var i = 0
    let firstLine: Int

    init(_ text: String, firstLine: Int) {
        s = Array(text)
        self.firstLine = firstLine
    }

    func fail(_ message: String) -> ParseError {
        let before = s[..<min(i, s.count)]
        let line = firstLine + before.filter { $0 == "\n" }.count
        let column = before.count - (before.lastIndex(of: "\n").map { $0 + 1 } ?? 0) + 1
        let excerpt = String(s[max(0, i - 16)..<min(s.count, i + 16)]).replacingOccurrences(of: "\n", with: "⏎")
        return ParseError(message: message, line: line, column: column, excerpt: excerpt)
    }

    /// Parses one flow value and returns it with whatever text follows it.
    mutating func parse() throws -> (JSONValue, rest: String) {
        let value = try parseValue(depth: 0)
        return (value, String(s[min(i, s.count)...]))
    }

    private mutating func skipSpace() {
        while i < s.count {
            if s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1; continue }
            if s[i] == "#" && (i == 0 || s[i - 1] == " " || s[i - 1] == "\t" || s[i - 1] == "\n") {
                while i < s.count && s[i] != "\n" { i += 1 }
                continue
            }
            return
        }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw fail("nesting deeper than 512 levels") }
        skipSpace()
        guard i < s.count else { return .null }
        switch s[i] {
        case "[":
            i += 1
            var items: [JSONValue] = []
            while true {
                skipSpace()
                guard i < s.count else { return .array(items) }
                if s[i] == "]" { i += 1; return .array(items) }
                if s[i] == "}" { return .array(items) }
                if s[i] == "," { i += 1; continue }
                items.append(try parseValue(depth: depth + 1))
            }
        case "{":
            i += 1
            var members: [String: JSONValue] = [:]
            while true {
                skipSpace()
                guard i < s.count else { return .object(members) }
                if s[i] == "}" { i += 1; return .object(members) }
                if s[i] == "]" { return .object(members) }
                if s[i] == "," { i += 1; continue }
                let key = try parseValue(depth: depth + 1)
                skipSpace()
                var value = JSONValue.null
                if i < s.count && s[i] == ":" {
                    i += 1
                    value = try parseValue(depth: depth + 1)
                }
                members[Self.keyString(key)] = value
            }
        case "\"", "'":
            guard let (text, rest) = YAMLScalar.quoted(Substring(String(s[i...]))) else {
                // Unterminated: the output was cut off inside the string.
                let text = String(s[(i + 1)...])
                i = s.count
                return .string(text)
            }
            i = s.count - rest.count
            return .string(text)
        case ":", ",":
            throw fail("expected a flow value")
        default:
            let start = i
            while i < s.count {
                let c = s[i]
                if c == "," || c == "]" || c == "}" { break }
                if c == ":" && (i + 1 == s.count || " \t\n,]}".contains(s[i + 1])) { break }
                if c == "#" && i > start && (s[i - 1] == " " || s[i - 1] == "\t") { break }
                i += 1
            }
            let words = String(s[start..<i]).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            return YAMLScalar.resolve(words)
        }
    }

    static func keyString(_ key: JSONValue) -> String {
        switch key {
        case .string(let s): return s
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .array, .object: return key.canonicalJSON
        }
    }
}
