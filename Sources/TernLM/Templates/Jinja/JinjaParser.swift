/// The syntax tree of a template.
indirect enum JinjaNode {
    case text(String)
    case output(JinjaExpr)
    case branches([(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
    case loop(names: [String], over: JinjaExpr, filter: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode])
    case set(target: [String], value: JinjaExpr)  // ["x"] or ["ns", "field"]
}

indirect enum JinjaExpr {
    case literal(JinjaValue)
    case name(String)
    case attribute(JinjaExpr, String)
    case index(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, JinjaExpr?, JinjaExpr?, JinjaExpr?)
    case call(JinjaExpr, [JinjaExpr], [(String, JinjaExpr)])
    case filter(JinjaExpr, String, [JinjaExpr])
    case test(JinjaExpr, String, negated: Bool)
    case unary(String, JinjaExpr)
    case binary(String, JinjaExpr, JinjaExpr)
    case conditional(JinjaExpr, then: JinjaExpr, otherwise: JinjaExpr?)
    case list([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
}

/// Recursive descent over the lexer's segments, with Jinja's operator precedence (lowest first):
/// `x if c else y`, `or`, `and`, `not`, comparisons / `in` / `is`, `~`, `+ -`, `* / // %`,
/// unary minus, then postfix `.attr`, `[index]`, `(call)` and `| filter`.
struct JinjaParser {
    private let segments: [JinjaSegment]
    private var position = 0

    static func parse(_ source: String) throws -> [JinjaNode] {
        var p = JinjaParser(segments: try JinjaLexer.segments(source))
        let (nodes, end) = try p.block(until: [])
        if let end { throw JinjaError("unexpected {% \(end) %}") }
        return nodes
    }

    private init(segments: [JinjaSegment]) { self.segments = segments }

    /// Nodes up to a statement whose keyword is in `enders` (returned, with its tokens consumed up
    /// to the keyword), or to the end.
    private mutating func block(until enders: Set<String>) throws -> ([JinjaNode], String?) {
        var nodes: [JinjaNode] = []
        while position < segments.count {
            let segment = segments[position]
            position += 1
            switch segment {
            case .text(let t): nodes.append(.text(t))
            case .output(let tokens): nodes.append(.output(try Expression.parse(tokens)))
            case .statement(let tokens):
                guard case .name(let keyword)? = tokens.first else { throw JinjaError("empty statement") }
                if enders.contains(keyword) { position -= 1; return (nodes, keyword) }
                nodes.append(try statement(keyword, Array(tokens.dropFirst())))
            }
        }
        return (nodes, nil)
    }

    private mutating func statement(_ keyword: String, _ rest: [JinjaToken]) throws -> JinjaNode {
        switch keyword {
        case "if":
            var arms: [(JinjaExpr, [JinjaNode])] = []
            var condition = try Expression.parse(rest)
            while true {
                let (body, end) = try block(until: ["elif", "else", "endif"])
                guard let end else { throw JinjaError("{% if %} without {% endif %}") }
                arms.append((condition, body))
                let tokens = try take()
                switch end {
                case "elif":
                    condition = try Expression.parse(Array(tokens.dropFirst()))
                case "else":
                    let (otherwise, end2) = try block(until: ["endif"])
                    guard end2 != nil else { throw JinjaError("{% else %} without {% endif %}") }
                    _ = try take()
                    return .branches(arms, otherwise: otherwise)
                default:
                    return .branches(arms, otherwise: [])
                }
            }
        case "for":
            guard let inAt = rest.firstIndex(of: .name("in")) else { throw JinjaError("{% for %} needs 'in'") }
            let names = rest[..<inAt].compactMap { if case .name(let n) = $0 { return n } else { return nil } }
            var iterTokens = Array(rest[(inAt + 1)...]), filter: JinjaExpr?
            if let ifAt = iterTokens.lastIndex(of: .name("if")), !iterTokens[..<ifAt].contains(.name("else")) {
                filter = try Expression.parse(Array(iterTokens[(ifAt + 1)...]))
                iterTokens = Array(iterTokens[..<ifAt])
            }
            let over = try Expression.parse(iterTokens)
            let (body, end) = try block(until: ["else", "endfor"])
            guard let end else { throw JinjaError("{% for %} without {% endfor %}") }
            _ = try take()
            var otherwise: [JinjaNode] = []
            if end == "else" {
                let (e, end2) = try block(until: ["endfor"])
                guard end2 != nil else { throw JinjaError("{% for %} without {% endfor %}") }
                _ = try take()
                otherwise = e
            }
            return .loop(names: names, over: over, filter: filter, body: body, otherwise: otherwise)
        case "set":
            guard let eq = rest.firstIndex(of: .op("=")) else { throw JinjaError("block {% set %} is not supported") }
            let target = rest[..<eq].compactMap { if case .name(let n) = $0 { return n } else { return nil } }
            return .set(target: target, value: try Expression.parse(Array(rest[(eq + 1)...])))
        default:
            throw JinjaError("unsupported statement {% \(keyword) %}")
        }
    }

    private mutating func take() throws -> [JinjaToken] {
        guard case .statement(let t) = segments[position] else { throw JinjaError("internal: expected a statement") }
        position += 1
        return t
    }
}

/// One expression's tokens, parsed.
private struct Expression {
    let tokens: [JinjaToken]
    var i = 0

    static func parse(_ tokens: [JinjaToken]) throws -> JinjaExpr {
        var p = Expression(tokens: tokens)
        let e = try p.conditional()
        guard p.i == tokens.count else { throw JinjaError("unexpected \(tokens[p.i]) in expression") }
        return e
    }

    private var peek: JinjaToken? { i < tokens.count ? tokens[i] : nil }
    private mutating func accept(_ t: JinjaToken) -> Bool { if peek == t { i += 1; return true }; return false }
    private mutating func expect(_ t: JinjaToken) throws { guard accept(t) else { throw JinjaError("expected \(t), found \(peek.map { "\($0)" } ?? "end")") } }

    mutating func conditional() throws -> JinjaExpr {
        let value = try or()
        guard accept(.name("if")) else { return value }
        let condition = try or()
        let otherwise = accept(.name("else")) ? try conditional() : nil
        return .conditional(condition, then: value, otherwise: otherwise)
    }

    private mutating func or() throws -> JinjaExpr {
        var e = try and()
        while accept(.name("or")) { e = .binary("or", e, try and()) }
        return e
    }

    private mutating func and() throws -> JinjaExpr {
        var e = try not()
        while accept(.name("and")) { e = .binary("and", e, try not()) }
        return e
    }

    private mutating func not() throws -> JinjaExpr {
        accept(.name("not")) ? .unary("not", try not()) : try comparison()
    }

    private mutating func comparison() throws -> JinjaExpr {
        var e = try concat()
        while true {
            if case .op(let o)? = peek, ["==", "!=", "<", ">", "<=", ">="].contains(o) { i += 1; e = .binary(o, e, try concat()) }
            else if accept(.name("in")) { e = .binary("in", e, try concat()) }
            else if peek == .name("not"), i + 1 < tokens.count, tokens[i + 1] == .name("in") { i += 2; e = .unary("not", .binary("in", e, try concat())) }
            else if accept(.name("is")) {
                let negated = accept(.name("not"))
                guard case .name(let test)? = peek else { throw JinjaError("expected a test name after 'is'") }
                i += 1
                e = .test(e, test, negated: negated)
            } else { return e }
        }
    }

    private mutating func concat() throws -> JinjaExpr {
        var e = try additive()
        while accept(.op("~")) { e = .binary("~", e, try additive()) }
        return e
    }

    private mutating func additive() throws -> JinjaExpr {
        var e = try multiplicative()
        while case .op(let o)? = peek, o == "+" || o == "-" { i += 1; e = .binary(o, e, try multiplicative()) }
        return e
    }

    private mutating func multiplicative() throws -> JinjaExpr {
        var e = try unary()
        while case .op(let o)? = peek, ["*", "/", "//", "%"].contains(o) { i += 1; e = .binary(o, e, try unary()) }
        return e
    }

    private mutating func unary() throws -> JinjaExpr {
        if accept(.op("-")) { return .unary("-", try unary()) }
        if accept(.op("+")) { return try unary() }
        return try postfix(try primary())
    }

    private mutating func postfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var e = base
        while true {
            if accept(.op(".")) {
                guard case .name(let n)? = peek else { throw JinjaError("expected a name after '.'") }
                i += 1
                e = .attribute(e, n)
            } else if accept(.op("[")) {
                var parts: [JinjaExpr?] = [nil]
                var isSlice = false
                while !accept(.op("]")) {
                    if accept(.op(":")) { isSlice = true; parts.append(nil); continue }
                    parts[parts.count - 1] = try conditional()
                }
                if isSlice {
                    while parts.count < 3 { parts.append(nil) }
                    e = .slice(e, parts[0], parts[1], parts[2])
                } else {
                    guard let index = parts[0] else { throw JinjaError("empty index") }
                    e = .index(e, index)
                }
            } else if accept(.op("(")) {
                let (args, kwargs) = try arguments()
                e = .call(e, args, kwargs)
            } else if accept(.op("|")) {
                guard case .name(let f)? = peek else { throw JinjaError("expected a filter name after '|'") }
                i += 1
                var args: [JinjaExpr] = []
                if accept(.op("(")) { args = try arguments().0 }
                e = .filter(e, f, args)
            } else {
                return e
            }
        }
    }

    /// Call arguments after "(", through ")".
    private mutating func arguments() throws -> ([JinjaExpr], [(String, JinjaExpr)]) {
        var args: [JinjaExpr] = [], kwargs: [(String, JinjaExpr)] = []
        while !accept(.op(")")) {
            if case .name(let n)? = peek, i + 1 < tokens.count, tokens[i + 1] == .op("=") {
                i += 2
                kwargs.append((n, try conditional()))
            } else {
                args.append(try conditional())
            }
            if !accept(.op(",")) { try expect(.op(")")); break }
        }
        return (args, kwargs)
    }

    private mutating func primary() throws -> JinjaExpr {
        guard let t = peek else { throw JinjaError("expression ends early") }
        i += 1
        switch t {
        case .string(var s):
            while case .string(let more)? = peek { s += more; i += 1 }  // adjacent literals join
            return .literal(.string(s))
        case .int(let n): return .literal(.int(n))
        case .double(let d): return .literal(.double(d))
        case .name("true"), .name("True"): return .literal(.bool(true))
        case .name("false"), .name("False"): return .literal(.bool(false))
        case .name("none"), .name("None"): return .literal(.none)
        case .name(let n): return .name(n)
        case .op("("):
            let e = try conditional()
            if accept(.op(",")) {  // a tuple: treated as a list
                var items = [e]
                while !accept(.op(")")) { items.append(try conditional()); _ = accept(.op(",")) }
                return .list(items)
            }
            try expect(.op(")"))
            return e
        case .op("["):
            var items: [JinjaExpr] = []
            while !accept(.op("]")) { items.append(try conditional()); _ = accept(.op(",")) }
            return .list(items)
        case .op("{"):
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            while !accept(.op("}")) {
                let k = try conditional()
                try expect(.op(":"))
                pairs.append((k, try conditional()))
                _ = accept(.op(","))
            }
            return .dict(pairs)
        default:
            throw JinjaError("unexpected \(t)")
        }
    }
}
