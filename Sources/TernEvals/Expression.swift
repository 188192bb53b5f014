import Foundation
import TernLM

/// A small, safe expression language for `expression` assertions: no loops, no side effects,
/// nothing outside the output and the case.
///
///     length < 200 && contains(lower(output), "paris")
///     json.city == vars.city && words >= 3
///
/// Names: `output` (the text), `length` (characters), `words`, `lines`, `json` (the output parsed
/// as JSON, null if it is not), `vars` (the case's variables), `latency_ms`, `tokens`. Literals:
/// numbers, 'strings' or "strings", true, false, null. Operators: `.field`, `[index]`, `!`, unary
/// `-`, `* /`, `+ -` (`+` joins strings), `< <= > >=`, `== !=`, `&&`, `||`, parentheses.
/// Functions: `contains(a, b)`, `startsWith(a, b)`, `endsWith(a, b)`, `matches(text, regex)`,
/// `lower(s)`, `upper(s)`, `trim(s)`, `len(x)` (characters or items), `number(s)`.
public struct Expression: Sendable {
    indirect enum Node: Sendable {
        case literal(JSONValue)
        case name(String)
        case member(Node, String)
        case index(Node, Node)
        case unary(String, Node)
        case binary(String, Node, Node)
        case call(String, [Node])
    }

    public struct Context: Sendable {
        public var output: String
        public var vars: [String: String]
        public var latencyMs: Double
        public var tokens: Int
        public init(output: String, vars: [String: String] = [:], latencyMs: Double = 0, tokens: Int = 0) {
            self.output = output
            self.vars = vars
            self.latencyMs = latencyMs
            self.tokens = tokens
        }
    }

    let root: Node
    public let source: String

    public init(_ source: String) throws {
        self.source = source
        var p = Parser(tokens: try Self.tokenize(source), source: source)
        root = try p.expression(0)
        guard p.position == p.tokens.count else { throw p.error("unexpected '\(p.tokens[p.position].text)'") }
    }

    /// The expression's truth for an output (a non-boolean result is an error).
    public func evaluate(_ context: Context) throws -> Bool {
        guard let b = try value(root, context).bool else { throw Suite.SuiteError("expression \(source): not true or false") }
        return b
    }

    // MARK: Tokens

    struct Token { var text: String; var literal: JSONValue? }

    static func tokenize(_ s: String) throws -> [Token] {
        var out: [Token] = [], i = s.startIndex
        let twoChar = ["&&", "||", "==", "!=", "<=", ">="]
        while i < s.endIndex {
            let c = s[i]
            if c.isWhitespace { i = s.index(after: i); continue }
            if c.isNumber {
                var j = i
                while j < s.endIndex, s[j].isNumber || s[j] == "." { j = s.index(after: j) }
                guard let d = Double(s[i..<j]) else { throw Suite.SuiteError("expression \(s): bad number \(s[i..<j])") }
                out.append(Token(text: String(s[i..<j]), literal: .number(d))); i = j; continue
            }
            if c == "'" || c == "\"" {
                var j = s.index(after: i), text = ""
                while j < s.endIndex, s[j] != c {
                    if s[j] == "\\", s.index(after: j) < s.endIndex { j = s.index(after: j) }
                    text.append(s[j]); j = s.index(after: j)
                }
                guard j < s.endIndex else { throw Suite.SuiteError("expression \(s): a string is not closed") }
                out.append(Token(text: "'", literal: .string(text))); i = s.index(after: j); continue
            }
            if c.isLetter || c == "_" {
                var j = i
                while j < s.endIndex, s[j].isLetter || s[j].isNumber || s[j] == "_" { j = s.index(after: j) }
                let word = String(s[i..<j])
                let lit: JSONValue? = word == "true" ? .bool(true) : word == "false" ? .bool(false) : word == "null" ? .null : nil
                out.append(Token(text: lit == nil ? word : "'", literal: lit)); i = j; continue
            }
            let next = s.index(after: i)
            if next < s.endIndex, twoChar.contains(String(s[i...next])) {
                out.append(Token(text: String(s[i...next]))); i = s.index(after: next); continue
            }
            guard "()[].,!<>+-*/".contains(c) else { throw Suite.SuiteError("expression \(s): unexpected '\(c)'") }
            out.append(Token(text: String(c))); i = next
        }
        return out
    }

    // MARK: Parsing (precedence climbing)

    struct Parser {
        var tokens: [Token]
        let source: String
        var position = 0

        static let precedence: [String: Int] = ["||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
                                                "+": 5, "-": 5, "*": 6, "/": 6]

        func error(_ what: String) -> Suite.SuiteError { Suite.SuiteError("expression \(source): \(what)") }
        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func expect(_ t: String) throws {
            guard peek?.text == t, peek?.literal == nil else { throw error("expected '\(t)'") }
            position += 1
        }

        mutating func expression(_ minimum: Int) throws -> Node {
            var left = try unary()
            while let t = peek, t.literal == nil, let p = Self.precedence[t.text], p > minimum {
                position += 1
                left = .binary(t.text, left, try expression(p))
            }
            return left
        }

        mutating func unary() throws -> Node {
            if let t = peek, t.literal == nil, t.text == "!" || t.text == "-" {
                position += 1
                return .unary(t.text, try unary())
            }
            return try postfix()
        }

        mutating func postfix() throws -> Node {
            var node = try primary()
            while let t = peek, t.literal == nil, t.text == "." || t.text == "[" {
                position += 1
                if t.text == "." {
                    guard let name = peek, name.literal == nil, name.text.first?.isLetter == true || name.text.first == "_" else { throw error("expected a field name after '.'") }
                    position += 1
                    node = .member(node, name.text)
                } else {
                    let i = try expression(0)
                    try expect("]")
                    node = .index(node, i)
                }
            }
            return node
        }

        mutating func primary() throws -> Node {
            guard let t = peek else { throw error("ends too early") }
            position += 1
            if let lit = t.literal { return .literal(lit) }
            if t.text == "(" {
                let e = try expression(0)
                try expect(")")
                return e
            }
            guard t.text.first?.isLetter == true || t.text.first == "_" else { throw error("unexpected '\(t.text)'") }
            if peek?.text == "(" && peek?.literal == nil {
                position += 1
                var args: [Node] = []
                if peek?.text != ")" {
                    repeat { args.append(try expression(0)) } while try comma()
                }
                try expect(")")
                guard Expression.functions[t.text] == args.count else {
                    throw error("\(t.text)() is not a function here, or takes \(Expression.functions[t.text].map(String.init) ?? "no") arguments")
                }
                return .call(t.text, args)
            }
            guard ["output", "length", "words", "lines", "json", "vars", "latency_ms", "tokens"].contains(t.text) else {
                throw error("unknown name '\(t.text)'")
            }
            return .name(t.text)
        }

        mutating func comma() throws -> Bool {
            if peek?.text == "," && peek?.literal == nil { position += 1; return true }
            return false
        }
    }

    static let functions = ["contains": 2, "startsWith": 2, "endsWith": 2, "matches": 2, "lower": 1, "upper": 1, "trim": 1, "len": 1, "number": 1]

    // MARK: Evaluation

    func value(_ n: Node, _ c: Context) throws -> JSONValue {
        switch n {
        case .literal(let v): return v
        case .name(let name):
            switch name {
            case "output": return .string(c.output)
            case "length": return .number(Double(c.output.count))
            case "words": return .number(Double(c.output.split(whereSeparator: { $0.isWhitespace }).count))
            case "lines": return .number(Double(c.output.split(separator: "\n").count))
            case "json": return Assertion.json(in: c.output) ?? .null
            case "vars": return .object(c.vars.mapValues(JSONValue.string))
            case "latency_ms": return .number(c.latencyMs)
            default: return .number(Double(c.tokens))
            }
        case .member(let base, let field): return try value(base, c)[field] ?? .null
        case .index(let base, let i):
            let b = try value(base, c), k = try value(i, c)
            if let n = k.number { return b.array.flatMap { Int(n) >= 0 && Int(n) < $0.count ? $0[Int(n)] : nil } ?? .null }
            return k.string.flatMap { b[$0] } ?? .null
        case .unary(let op, let x):
            let v = try value(x, c)
            if op == "!" { return .bool(!(try truth(v))) }
            guard let d = v.number else { throw Suite.SuiteError("expression \(source): '-' needs a number") }
            return .number(-d)
        case .binary(let op, let l, let r):
            if op == "&&" { return .bool(try truth(value(l, c)) && truth(value(r, c))) }
            if op == "||" { return .bool(try truth(value(l, c)) || truth(value(r, c))) }
            let a = try value(l, c), b = try value(r, c)
            switch op {
            case "==": return .bool(Self.equal(a, b))
            case "!=": return .bool(!Self.equal(a, b))
            case "+" where a.string != nil || b.string != nil: return .string(Self.text(a) + Self.text(b))
            default:
                guard let x = a.number ?? a.string.flatMap(Double.init), let y = b.number ?? b.string.flatMap(Double.init) else {
                    if let x = a.string, let y = b.string, ["<", "<=", ">", ">="].contains(op) {
                        return .bool(op == "<" ? x < y : op == "<=" ? x <= y : op == ">" ? x > y : x >= y)
                    }
                    throw Suite.SuiteError("expression \(source): '\(op)' needs numbers, got \(a.canonicalJSON) and \(b.canonicalJSON)")
                }
                switch op {
                case "<": return .bool(x < y)
                case "<=": return .bool(x <= y)
                case ">": return .bool(x > y)
                case ">=": return .bool(x >= y)
                case "+": return .number(x + y)
                case "-": return .number(x - y)
                case "*": return .number(x * y)
                default: return .number(x / y)
                }
            }
        case .call(let f, let args):
            let v = try args.map { try value($0, c) }
            let s = v.map(Self.text)
            switch f {
            case "contains": return .bool(v[0].array.map { $0.contains { Self.equal($0, v[1]) } } ?? s[0].contains(s[1]))
            case "startsWith": return .bool(s[0].hasPrefix(s[1]))
            case "endsWith": return .bool(s[0].hasSuffix(s[1]))
            case "matches":
                guard let re = try? NSRegularExpression(pattern: s[1]) else { throw Suite.SuiteError("expression \(source): bad regex \(s[1])") }
                return .bool(re.firstMatch(in: s[0], range: NSRange(s[0].startIndex..., in: s[0])) != nil)
            case "lower": return .string(s[0].lowercased())
            case "upper": return .string(s[0].uppercased())
            case "trim": return .string(s[0].trimmingCharacters(in: .whitespacesAndNewlines))
            case "len": return .number(Double(v[0].array?.count ?? v[0].object?.count ?? s[0].count))
            default: return Double(s[0].trimmingCharacters(in: .whitespaces)).map(JSONValue.number) ?? .null
            }
        }
    }

    func truth(_ v: JSONValue) throws -> Bool {
        guard let b = v.bool else { throw Suite.SuiteError("expression \(source): expected true or false, got \(v.canonicalJSON)") }
        return b
    }

    /// Numbers compare by value (a numeric string equals its number); anything else as JSON.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.number ?? a.string.flatMap(Double.init), let y = b.number ?? b.string.flatMap(Double.init),
           a.number != nil || b.number != nil { return x == y }
        return a == b
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .null: return ""
        default: return v.canonicalJSON
        }
    }
}
