/// Splits a template into text and tags, applying whitespace control as Hugging Face renders chat
/// templates (Jinja with `trim_blocks` and `lstrip_blocks`): a `-` inside a tag strips all
/// whitespace on that side; a block tag drops the one newline right after it, and the spaces and
/// tabs between the start of its line and itself.
enum JinjaSegment: Equatable {
    case text(String)
    case output([JinjaToken])     // {{ … }}
    case statement([JinjaToken])  // {% … %}
}

enum JinjaToken: Equatable {
    case name(String)
    case string(String)
    case int(Int)
    case double(Double)
    case op(String)
}

enum JinjaLexer {
    static func segments(_ source: String) throws -> [JinjaSegment] {
        let s = Array(source)
        var out: [JinjaSegment] = []
        var text = ""
        var i = 0
        var trimNextNewline = false, stripNextWhitespace = false
        var textStartsLine = true  // the pending text begins at the start of a source line
        func flushText() { if !text.isEmpty { out.append(.text(text)); text = "" } }
        while i < s.count {
            let opens = i + 1 < s.count && s[i] == "{" && (s[i + 1] == "{" || s[i + 1] == "%" || s[i + 1] == "#")
            guard opens else {
                if stripNextWhitespace, s[i].isWhitespace { i += 1; continue }
                stripNextWhitespace = false
                if trimNextNewline { trimNextNewline = false; if s[i] == "\n" { i += 1; textStartsLine = true; continue } }
                text.append(s[i]); i += 1
                continue
            }
            stripNextWhitespace = false
            trimNextNewline = false
            let kind = s[i + 1]
            let close: [Character] = kind == "{" ? ["}", "}"] : kind == "%" ? ["%", "}"] : ["#", "}"]
            var j = i + 2
            var leftStrip = false, keepLeft = false
            if j < s.count, s[j] == "-" { leftStrip = true; j += 1 } else if j < s.count, s[j] == "+" { keepLeft = true; j += 1 }
            // Find the closing delimiter (outside string literals).
            var k = j, quote: Character? = nil
            while k + 1 < s.count {
                if let q = quote { if s[k] == "\\" { k += 2; continue }; if s[k] == q { quote = nil } }
                else if kind != "#" && (s[k] == "'" || s[k] == "\"") { quote = s[k] }  // a comment's text is not code
                else if s[k] == close[0] && s[k + 1] == close[1] { break }
                k += 1
            }
            guard k + 1 < s.count else { throw JinjaError("unclosed tag starting \(String(s[i..<min(s.count, i + 20)]))") }
            var bodyEnd = k
            var rightStrip = false
            if bodyEnd > j, s[bodyEnd - 1] == "-" { rightStrip = true; bodyEnd -= 1 }
            let body = String(s[j..<bodyEnd])
            if leftStrip {
                while let last = text.last, last.isWhitespace { text.removeLast() }
            } else if kind != "{" && !keepLeft {
                // lstrip_blocks: spaces and tabs from the line's start up to a block or comment tag.
                var n = 0
                for c in text.reversed() { if c == " " || c == "\t" { n += 1 } else { break } }
                let before = text.dropLast(n)
                if before.last == "\n" || (before.isEmpty && textStartsLine) { text.removeLast(n) }
            }
            flushText()
            textStartsLine = false
            switch kind {
            case "{": out.append(.output(try tokens(body)))
            case "%": out.append(.statement(try tokens(body)))
            default: break  // comment
            }
            i = k + 2
            if rightStrip { stripNextWhitespace = true } else if kind != "{" { trimNextNewline = true }
        }
        flushText()
        return out
    }

    static func tokens(_ body: String) throws -> [JinjaToken] {
        let s = Array(body)
        var out: [JinjaToken] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c.isWhitespace { i += 1; continue }
            if c.isLetter || c == "_" {
                var j = i
                while j < s.count, s[j].isLetter || s[j].isNumber || s[j] == "_" { j += 1 }
                out.append(.name(String(s[i..<j]))); i = j
            } else if c.isNumber {
                var j = i
                while j < s.count, s[j].isNumber { j += 1 }
                if j + 1 < s.count, s[j] == ".", s[j + 1].isNumber {
                    j += 1
                    while j < s.count, s[j].isNumber { j += 1 }
                    out.append(.double(Double(String(s[i..<j]))!))
                } else {
                    out.append(.int(Int(String(s[i..<j]))!))
                }
                i = j
            } else if c == "'" || c == "\"" {
                var j = i + 1, value = ""
                while j < s.count, s[j] != c {
                    if s[j] == "\\", j + 1 < s.count {
                        j += 1
                        switch s[j] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        default: value.append(s[j])
                        }
                    } else {
                        value.append(s[j])
                    }
                    j += 1
                }
                guard j < s.count else { throw JinjaError("unterminated string in '\(body)'") }
                out.append(.string(value)); i = j + 1
            } else {
                let two = i + 1 < s.count ? String(s[i...i + 1]) : ""
                if ["==", "!=", "<=", ">=", "//", "**"].contains(two) { out.append(.op(two)); i += 2; continue }
                guard "+-*/%~|.,:()[]{}<>=".contains(c) else { throw JinjaError("unexpected '\(c)' in '\(body)'") }
                out.append(.op(String(c))); i += 1
            }
        }
        return out
    }
}
