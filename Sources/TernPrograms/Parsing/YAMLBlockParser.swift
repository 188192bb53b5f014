import Foundation
import TernLM

/// Block structure: mappings and sequences nested by indentation.
///
/// Nesting is decided by comparing a line's indentation with its parent's rather than demanding
/// an exact column: a child may sit 1, 2, 3 or more columns in, and a key one column off its
/// siblings still joins them. When a line is equally far from a nested level and its parent, it
/// stays in the nested level.
struct YAMLBlockParser {
    let lines: [YAMLLine]
    var pos = 0

    init(lines: [YAMLLine]) { self.lines = lines }

    mutating func parseDocument() throws -> JSONValue {
        skipTrivia()
        guard pos < lines.count else {
            throw ParseError(message: "no YAML value found", line: lines.first?.number ?? 1, column: 1, excerpt: "")
        }
        let line = lines[pos]
        return try parseBlock(line.text, column: line.indent, parent: -1)
    }

    private mutating func skipTrivia() {
        while pos < lines.count && lines[pos].isTrivia { pos += 1 }
    }

    private var nextLine: YAMLLine? {
        var p = pos
        while p < lines.count && lines[p].isTrivia { p += 1 }
        return p < lines.count ? lines[p] : nil
    }

    /// Whether a line at `indent` continues a collection at `column` whose parent is at `parent`.
    private func belongs(_ indent: Int, column: Int, parent: Int) -> Bool {
        indent > parent && column - indent <= indent - parent
    }

    /// Parses the node whose first line is `text` (the current line, or its part after "- ").
    private mutating func parseBlock(_ text: String, column: Int, parent: Int) throws -> JSONValue {
        if text == "-" || text.hasPrefix("- ") || text.hasPrefix("-\t") {
            return try parseSequence(text, column: column, parent: parent)
        }
        if YAMLScalar.splitKey(text) != nil {
            return try parseMapping(text, column: column, parent: parent)
        }
        return try parseValue(text, owner: parent)
    }

    private mutating func parseSequence(_ firstText: String, column: Int, parent: Int) throws -> JSONValue {
        var items: [JSONValue] = []
        var text = firstText
        var dash = column
        while true {
            let rest = text.dropFirst()
            let content = rest.drop { $0 == " " || $0 == "\t" }
            let contentColumn = dash + 1 + (rest.count - content.count)
            let item = String(content)
            if YAMLScalar.stripComment(item).isEmpty {
                pos += 1
                items.append(try parseChild(of: dash))
            } else {
                items.append(try parseBlock(item, column: contentColumn, parent: dash))
            }
            guard let next = nextLine, next.isSequenceItem, belongs(next.indent, column: column, parent: parent) else { break }
            skipTrivia()
            text = next.text
            dash = next.indent
        }
        return .array(items)
    }

    private mutating func parseMapping(_ firstText: String, column: Int, parent: Int) throws -> JSONValue {
        var members: [String: JSONValue] = [:]
        var text = firstText
        var keyColumn = column
        while let (key, value) = YAMLScalar.splitKey(text) {
            members[key.text] = try parseValue(value, owner: keyColumn)
            guard let next = nextLine, !next.isSequenceItem, belongs(next.indent, column: column, parent: parent),
                  YAMLScalar.splitKey(next.text) != nil else { break }
            skipTrivia()
            text = next.text
            keyColumn = next.indent
        }
        return .object(members)
    }

    /// The nested block under an entry with no inline value, or null when nothing is nested.
    private mutating func parseChild(of owner: Int) throws -> JSONValue {
        guard let next = nextLine else { return .null }
        if next.indent > owner {
            skipTrivia()
            return try parseBlock(next.text, column: next.indent, parent: owner)
        }
        // "key:" followed by "- item" at the key's own column is ordinary YAML.
        if next.indent == owner && next.isSequenceItem {
            skipTrivia()
            return try parseSequence(next.text, column: next.indent, parent: owner - 1)
        }
        return .null
    }

    /// Parses an inline value on the current line (after "key:" or "- "), consuming the current
    /// line and any continuation lines. `owner` is the column of the key or dash.
    private mutating func parseValue(_ raw: String, owner: Int) throws -> JSONValue {
        let startLine = lines[pos]
        var value = raw.trimmingCharacters(in: .whitespaces)
        // Anchors and tags carry no data for a JSON value, except that `!!str` keeps "12" a string.
        var forceString = false
        while value.hasPrefix("&") || value.hasPrefix("!") {
            forceString = forceString || value.hasPrefix("!!str")
            value = String(value.drop { !$0.isWhitespace }).trimmingCharacters(in: .whitespaces)
        }
        pos += 1
        if YAMLScalar.stripComment(value).isEmpty { return try parseChild(of: owner) }
        if let first = value.first, first == "|" || first == ">" {
            return .string(parseBlockScalar(header: value, owner: owner))
        }
        if value.first == "[" || value.first == "{" {
            return try parseFlow(value, owner: owner, line: startLine.number)
        }
        if value.first == "\"" || value.first == "'" {
            var text = value
            // A quoted scalar may run over several lines; gather until its quote closes.
            while YAMLScalar.quoted(Substring(text)) == nil, pos < lines.count, lines[pos].indent > owner || lines[pos].isBlank {
                text += lines[pos].isBlank ? "\n" : " " + lines[pos].text.trimmingCharacters(in: .whitespaces)
                pos += 1
            }
            if let (string, rest) = YAMLScalar.quoted(Substring(text)) {
                let tail = YAMLScalar.stripComment(String(rest))
                // `"Note": read this` style values: a quoted start followed by more text is a
                // plain scalar that happens to begin with a quote.
                return tail.isEmpty ? .string(string) : .string(YAMLScalar.stripComment(text))
            }
            return .string(String(text.dropFirst()))  // cut off before the closing quote
        }
        // Plain scalar, possibly folded over more-indented lines that are not entries or items.
        var words = [YAMLScalar.stripComment(value)]
        while pos < lines.count {
            let line = lines[pos]
            if line.isBlank || line.isComment || line.indent <= owner || line.isSequenceItem || YAMLScalar.splitKey(line.text) != nil {
                break
            }
            words.append(YAMLScalar.stripComment(line.text))
            pos += 1
        }
        let plain = words.joined(separator: " ")
        return forceString ? .string(plain) : YAMLScalar.resolve(plain)
    }

    private mutating func parseFlow(_ value: String, owner: Int, line: Int) throws -> JSONValue {
        var text = value
        // Gather more lines while brackets are open (ignoring brackets inside quotes).
        while Self.openBrackets(text) > 0, pos < lines.count, lines[pos].indent > owner || lines[pos].isBlank
                || lines[pos].text.first == "]" || lines[pos].text.first == "}" {
            text += "\n" + lines[pos].text
            pos += 1
        }
        var parser = YAMLFlowParser(text, firstLine: line)
        let (result, rest) = try parser.parse()
        let tail = YAMLScalar.stripComment(rest)
        // "[draft] Q3 report" is a plain scalar that starts with a bracket.
        if !tail.isEmpty && !tail.allSatisfy({ "]},".contains($0) }) { return .string(YAMLScalar.stripComment(value)) }
        return result
    }

    private static func openBrackets(_ text: String) -> Int {
        var depth = 0
        var quote: Character?
        for c in text {
            if let q = quote { if c == q { quote = nil }; continue }
            switch c {
            case "\"", "'": quote = c
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            default: break
            }
        }
        return depth
    }

    /// `|` keeps line breaks, `>` folds them into spaces; `-` strips the final break, `+` keeps
    /// all trailing ones. Content is every following line indented past the owner (or blank).
    private mutating func parseBlockScalar(header: String, owner: Int) -> String {
        let literal = header.first == "|"
        let indicators = YAMLScalar.stripComment(String(header.dropFirst()))
        let chomp: Character? = indicators.first { $0 == "-" || $0 == "+" }
        let explicit = indicators.first { $0.isNumber }.flatMap { Int(String($0)) }
        var body: [YAMLLine] = []
        while pos < lines.count, lines[pos].isBlank || lines[pos].indent > owner {
            body.append(lines[pos])
            pos += 1
        }
        let contentIndent = explicit.map { owner + $0 } ?? body.first { !$0.isBlank }?.indent ?? owner + 1
        var texts = body.map { line -> String in
            line.isBlank ? "" : String(repeating: " ", count: max(0, line.indent - contentIndent)) + line.text
        }
        var trailing = 0
        while let last = texts.last, last.isEmpty { texts.removeLast(); trailing += 1 }
        var content: String
        if literal {
            content = texts.joined(separator: "\n")
        } else {
            content = ""
            var previousMoreIndented = false
            var blanks = 0
            for (index, line) in texts.enumerated() {
                if line.isEmpty { blanks += 1; continue }
                let moreIndented = line.hasPrefix(" ") || line.hasPrefix("\t")
                if index > 0 {
                    if blanks > 0 {
                        content += String(repeating: "\n", count: blanks + (moreIndented || previousMoreIndented ? 1 : 0))
                    } else {
                        content += moreIndented || previousMoreIndented ? "\n" : " "
                    }
                }
                content += line
                blanks = 0
                previousMoreIndented = moreIndented
            }
        }
        if texts.isEmpty { return chomp == "+" ? String(repeating: "\n", count: trailing) : "" }
        switch chomp {
        case "-": return content
        case "+": return content + "\n" + String(repeating: "\n", count: trailing)
        default: return content + "\n"
        }
    }
}
