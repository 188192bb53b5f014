import Foundation
import TernLM

/// Parses JSON the way a model meant it, not the way it typed it.
///
/// Strict JSON parses exactly as `JSONSerialization` would. Beyond that it recovers from the
/// mistakes models make: Markdown code fences, prose before or after the value, trailing or
/// missing commas, single-quoted and “smart”-quoted strings, unquoted keys, Python/JS literals
/// (`True`, `False`, `None`, `undefined`, `NaN`), `//`, `/* */` and `#` comments, raw newlines in
/// strings, numbers such as `+1`, `.5` and `5.`, and output cut off before its closing quotes and
/// brackets.
///
/// ```swift
/// let value = try LenientJSON.parse("""
///     Here you go:
///     ```json
///     {name: 'Ada', tags: ["math",], active: True
///     ```
///     """)
/// // .object(["name": .string("Ada"), "tags": .array([.string("math")]), "active": .bool(true)])
/// ```
///
/// When nothing can be recovered it throws a ``ParseError`` naming what was expected and where.
public enum LenientJSON {
    /// The value as a strict parser reads it when the (trimmed) text is valid JSON, else as
    /// `parse` recovers it; `repaired` says which, for traces.
    public static func parseNotingRepairs(_ text: String) throws -> (JSONValue, repaired: Bool) {
        if let v = try? JSONDecoder().decode(JSONValue.self, from: Data(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)) {
            return (v, false)
        }
        return (try parse(text), true)
    }

    public static func parse(_ text: String) throws -> JSONValue {
        let scalars = Array(text.unicodeScalars)
        let body = CodeFence.body(of: scalars)
        var probe = JSONScanner(scalars, body)
        probe.skipTrivia()
        if probe.i >= body.upperBound {
            throw ParseError("no JSON value found: the input is empty", at: body.lowerBound, in: scalars)
        }

        // The whole body as one value: strict JSON, bare scalars, and lenient documents that
        // fill the text.
        var whole = JSONScanner(scalars, body)
        if let value = try? whole.parseDocument() { return value }
        func located(_ failure: JSONScanner.Failure) -> ParseError { ParseError(failure.message, at: failure.offset, in: scalars) }

        // Otherwise the value is embedded in prose. Try every '{' or '[' and keep the parse that
        // covers the most text: a stray "[1]" citation before the real object loses to the object.
        var best: (value: JSONValue, length: Int)?
        var firstError: JSONScanner.Failure?
        var coveredUntil = body.lowerBound
        for start in body where start >= coveredUntil && (scalars[start] == "{" || scalars[start] == "[") {
            var scanner = JSONScanner(scalars, body, at: start)
            do {
                let value = try scanner.parseValue(depth: 0)
                let length = scanner.i - start
                if best == nil || length > best!.length { best = (value, length) }
                coveredUntil = scanner.i
            } catch let failure as JSONScanner.Failure {
                // Shallower suffixes of an over-deep value would parse; they are not what was meant.
                if failure.tooDeep { throw located(failure) }
                if firstError == nil { firstError = failure }
            }
        }
        if let best { return best.value }
        if let firstError { throw located(firstError) }
        throw ParseError("no JSON value found: expected '{' or '['", at: probe.i, in: scalars)
    }
}

/// Recursive-descent scanner over Unicode scalars, bounded to the fence body.
struct JSONScanner {
    let s: [Unicode.Scalar]
    let end: Int
    var i: Int
    static let maxDepth = 512

    init(_ s: [Unicode.Scalar], _ body: Range<Int>, at start: Int? = nil) {
        self.s = s
        self.end = body.upperBound
        self.i = start ?? body.lowerBound
    }

    var atEnd: Bool { i >= end }
    var current: Unicode.Scalar? { i < end ? s[i] : nil }

    /// A failure located by offset only; line and column are worked out once, for the error
    /// actually reported, because many candidate starts may fail on the way.
    struct Failure: Error {
        let message: String
        let offset: Int
        var tooDeep = false
    }

    func fail(_ message: String) -> Failure { Failure(message: message, offset: i) }

    /// A value followed by nothing but whitespace and comments.
    mutating func parseDocument() throws -> JSONValue {
        skipTrivia()
        let value = try parseValue(depth: 0)
        skipTrivia()
        guard atEnd else { throw fail("unexpected text after the value") }
        return value
    }

    mutating func skipTrivia() {
        while let c = current {
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{FEFF}" || c == "\u{A0}" {
                i += 1
            } else if c == "#" || (c == "/" && i + 1 < end && s[i + 1] == "/") {
                while let d = current, d != "\n" { i += 1 }
            } else if c == "/" && i + 1 < end && s[i + 1] == "*" {
                i += 2
                while i < end && !(s[i] == "*" && i + 1 < end && s[i + 1] == "/") { i += 1 }
                i = min(end, i + 2)
            } else {
                return
            }
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else {
            throw Failure(message: "nesting deeper than \(Self.maxDepth) levels", offset: i, tooDeep: true)
        }
        skipTrivia()
        guard let c = current else { throw fail("expected a value but the text ended") }
        switch c {
        case "{": return try parseObject(depth: depth)
        case "[": return try parseArray(depth: depth)
        case _ where Self.closingQuotes(for: c) != nil: return .string(parseString())
        case "-", "+", ".", "0"..."9": return try parseNumber()
        default:
            if Self.isWordScalar(c) { return try parseLiteral() }
            throw fail("expected a value")
        }
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        i += 1
        var members: [String: JSONValue] = [:]
        while true {
            skipTrivia()
            guard let c = current else { return .object(members) }  // cut off: close it
            if c == "}" { i += 1; return .object(members) }
            // A ']' here means the model closed the wrong bracket; let the enclosing array have it.
            if c == "]" { return .object(members) }
            if c == "," { i += 1; continue }  // leading, doubled or trailing comma
            let key: String
            if Self.closingQuotes(for: c) != nil {
                key = parseString()
            } else if Self.isKeyScalar(c) {
                let start = i
                while let d = current, Self.isKeyScalar(d) { i += 1 }
                key = String(String.UnicodeScalarView(s[start..<i]))
            } else {
                throw fail("expected a key or '}'")
            }
            skipTrivia()
            guard let colon = current else { return .object(members) }  // key without value: drop it
            guard colon == ":" else { throw fail("expected ':' after key") }
            i += 1
            skipTrivia()
            if atEnd { return .object(members) }
            members[key] = try parseValue(depth: depth + 1)
            skipTrivia()
            guard let next = current else { return .object(members) }
            switch next {
            case ",": i += 1
            case "}", "]": continue
            default:
                // A missing comma between members is recoverable when a key and colon follow.
                if keyAndColonFollow() { continue }
                throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func keyAndColonFollow() -> Bool {
        let save = i
        defer { i = save }
        guard let c = current else { return false }
        if Self.closingQuotes(for: c) != nil {
            _ = parseString()
        } else if Self.isKeyScalar(c) {
            while let d = current, Self.isKeyScalar(d) { i += 1 }
        } else {
            return false
        }
        skipTrivia()
        return current == ":"
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        while true {
            skipTrivia()
            guard let c = current else { return .array(items) }
            if c == "]" { i += 1; return .array(items) }
            if c == "}" { return .array(items) }  // wrong closer: the enclosing object takes it
            if c == "," { i += 1; continue }
            items.append(try parseValue(depth: depth + 1))
            skipTrivia()
            guard let next = current else { return .array(items) }
            switch next {
            case ",": i += 1
            case "]", "}": continue
            default:
                if Self.startsValue(next) { continue }  // missing comma
                throw fail("expected ',' or ']'")
            }
        }
    }

    /// Reads a quoted string starting at the opening quote.
    ///
    /// A closing quote only ends the string when what follows could follow a string in JSON
    /// (`,` `:` `}` `]`, a line break or the end). That is always true for valid JSON, and it
    /// lets `'it's'` and `"say "hi" now"` keep their inner quotes.
    mutating func parseString() -> String {
        let open = s[i]
        let closers = Self.closingQuotes(for: open)!
        i += 1
        var out = String.UnicodeScalarView()
        var lastSkippedCloser: (index: Int, length: Int)?
        while let c = current {
            if c == "\\" {
                i += 1
                guard let e = current else { break }
                i += 1
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "u": out.append(contentsOf: parseUnicodeEscape())
                case "\"", "\\", "/", "'": out.append(e)
                default:
                    if closers.contains(e) { out.append(e) } else { out.append("\\"); out.append(e) }  // "\d" in a regex
                }
                continue
            }
            if closers.contains(c) {
                if closesString(after: i + 1) { i += 1; return String(out) }
                lastSkippedCloser = (i, out.count)
            }
            out.append(c)
            i += 1
        }
        // Ran off the end. If a quote was passed over as "inner", it was most likely the real
        // closer of a string followed by junk; otherwise the output was cut off mid-string.
        if let skipped = lastSkippedCloser {
            i = skipped.index + 1
            return String(String.UnicodeScalarView(out.prefix(skipped.length)))
        }
        return String(out)
    }

    private func closesString(after index: Int) -> Bool {
        var j = index
        while j < end, s[j] == " " || s[j] == "\t" { j += 1 }
        guard j < end else { return true }
        switch s[j] {
        case ",", ":", "}", "]", "\n", "\r", "#": return true
        case "/": return j + 1 < end && (s[j + 1] == "/" || s[j + 1] == "*")
        default: return false
        }
    }

    private mutating func parseUnicodeEscape() -> [Unicode.Scalar] {
        func hex4() -> UInt32? {
            guard i + 4 <= end, let v = UInt32(String(String.UnicodeScalarView(s[i..<i + 4])), radix: 16) else { return nil }
            i += 4
            return v
        }
        guard let high = hex4() else { return ["\\", "u"] }
        if (0xD800..<0xDC00).contains(high), i + 1 < end, s[i] == "\\", s[i + 1] == "u" {
            let save = i
            i += 2
            if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                return [Unicode.Scalar(value) ?? "\u{FFFD}"]
            }
            i = save
        }
        return [Unicode.Scalar(high) ?? "\u{FFFD}"]
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = i
        var text = ""
        if let c = current, c == "-" || c == "+" {
            if c == "-" { text = "-" }
            i += 1
        }
        if let c = current, Self.isWordScalar(c), !("0"..."9").contains(c) {
            // -Infinity / +Infinity / -NaN have no JSON form.
            let word = readWord()
            if word == "Infinity" || word == "NaN" || word == "inf" { return .null }
            i = start
            throw fail("expected a number")
        }
        var digits = 0
        while let c = current, ("0"..."9").contains(c) { text.unicodeScalars.append(c); i += 1; digits += 1 }
        if current == "." {
            if digits == 0 { text += "0" }
            text += "."
            i += 1
            var fraction = 0
            while let c = current, ("0"..."9").contains(c) { text.unicodeScalars.append(c); i += 1; fraction += 1 }
            if fraction == 0 { text += "0" }
            digits += fraction
        }
        guard digits > 0 else { i = start; throw fail("expected a number") }
        if let c = current, c == "e" || c == "E" {
            let save = i
            var exponent = "e"
            i += 1
            if let sign = current, sign == "+" || sign == "-" { exponent.unicodeScalars.append(sign); i += 1 }
            var expDigits = 0
            while let d = current, ("0"..."9").contains(d) { exponent.unicodeScalars.append(d); i += 1; expDigits += 1 }
            if expDigits > 0 { text += exponent } else { i = save }
        }
        guard let value = Double(text) else { i = start; throw fail("expected a number") }
        return .number(value)
    }

    mutating func parseLiteral() throws -> JSONValue {
        let start = i
        let word = readWord()
        switch word {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "null", "None", "NULL", "nil", "undefined", "NaN", "Infinity": return .null
        default:
            // Output cut off inside a literal: "tr" at the very end can only have been true.
            if atEnd, !word.isEmpty {
                for (name, value) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)]
                where name.hasPrefix(word) { return value }
            }
            i = start
            throw fail("expected a value")
        }
    }

    private mutating func readWord() -> String {
        let start = i
        while let c = current, Self.isWordScalar(c) { i += 1 }
        return String(String.UnicodeScalarView(s[start..<i]))
    }

    static func closingQuotes(for open: Unicode.Scalar) -> Set<Unicode.Scalar>? {
        switch open {
        case "\"": return ["\""]
        case "'": return ["'"]
        case "\u{201C}", "\u{201D}", "\u{201E}": return ["\u{201D}", "\u{201C}", "\""]
        case "\u{2018}", "\u{2019}": return ["\u{2019}", "\u{2018}"]
        default: return nil
        }
    }

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c)
    }

    /// Characters of an unquoted key: identifiers, plus '-', '$' and digits ("max-tokens", "$id", "1").
    static func isKeyScalar(_ c: Unicode.Scalar) -> Bool {
        isWordScalar(c) || c == "-" || c == "$"
    }

    static func startsValue(_ c: Unicode.Scalar) -> Bool {
        c == "{" || c == "[" || c == "-" || c == "+" || ("0"..."9").contains(c)
            || closingQuotes(for: c) != nil || isWordScalar(c)
    }
}
