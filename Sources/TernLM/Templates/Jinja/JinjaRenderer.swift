import Foundation

/// Renders a parsed template against variables, with Python's semantics for the operations chat
/// templates use: string concatenation, comparisons, `in`, slicing, `loop.*`, `namespace`, the
/// common filters and tests, a few string methods, and `raise_exception`.
struct JinjaRenderer {
    private var scopes: [[String: JinjaValue]]

    init(variables: [String: JinjaValue]) { scopes = [variables] }

    mutating func render(_ nodes: [JinjaNode]) throws -> String {
        var out = ""
        try render(nodes, into: &out)
        return out
    }

    private mutating func render(_ nodes: [JinjaNode], into out: inout String) throws {
        for node in nodes {
            switch node {
            case .text(let t): out += t
            case .output(let e): out += try eval(e).text
            case .branches(let arms, let otherwise):
                if let arm = try arms.first(where: { try eval($0.0).isTruthy }) { try render(arm.1, into: &out) }
                else { try render(otherwise, into: &out) }
            case .loop(let names, let over, let filter, let body, let otherwise):
                let value = try eval(over)
                var items: [JinjaValue]
                if case .object(let keys, let d) = value, names.count == 2 { items = keys.map { .array([.string($0), d[$0]!]) } }
                else { guard let it = value.iterated else { throw JinjaError("cannot loop over \(value.repr)") }; items = it }
                if let filter {
                    items = try items.filter { item in
                        scopes.append(bind(names, item))
                        defer { scopes.removeLast() }
                        return try eval(filter).isTruthy
                    }
                }
                if items.isEmpty { try render(otherwise, into: &out); continue }
                for (n, item) in items.enumerated() {
                    var scope = bind(names, item)
                    scope["loop"] = .object([
                        ("index", .int(n + 1)), ("index0", .int(n)), ("first", .bool(n == 0)), ("last", .bool(n == items.count - 1)),
                        ("length", .int(items.count)), ("revindex", .int(items.count - n)), ("revindex0", .int(items.count - n - 1)),
                        ("previtem", n > 0 ? items[n - 1] : .undefined), ("nextitem", n + 1 < items.count ? items[n + 1] : .undefined),
                    ])
                    scopes.append(scope)
                    defer { scopes.removeLast() }
                    try render(body, into: &out)
                }
            case .set(let target, let e):
                let v = try eval(e)
                if target.count == 1 {
                    scopes[scopes.count - 1][target[0]] = v
                } else if target.count == 2, case .namespace(let ns)? = lookup(target[0]) {
                    ns.set(target[1], v)
                } else {
                    throw JinjaError("cannot assign to \(target.joined(separator: "."))")
                }
            }
        }
    }

    private func bind(_ names: [String], _ item: JinjaValue) -> [String: JinjaValue] {
        guard names.count > 1 else { return [names[0]: item] }
        let parts = item.iterated ?? []
        var scope: [String: JinjaValue] = [:]
        for (k, name) in names.enumerated() { scope[name] = k < parts.count ? parts[k] : .undefined }
        return scope
    }

    private func lookup(_ name: String) -> JinjaValue? {
        for scope in scopes.reversed() { if let v = scope[name] { return v } }
        return nil
    }

    // MARK: Expressions

    private mutating func eval(_ e: JinjaExpr) throws -> JinjaValue {
        switch e {
        case .literal(let v): return v
        case .name(let n): return lookup(n) ?? (Self.functions.contains(n) ? .string("<function \(n)>") : .undefined)
        case .list(let items): return .array(try items.map { try eval($0) })
        case .dict(let pairs): return .object(try pairs.map { (try eval($0.0).text, try eval($0.1)) })
        case .attribute(let base, let name):
            let b = try eval(base)
            if case .object(_, let d) = b { return d[name] ?? .undefined }
            if case .namespace(let ns) = b { return ns.values[name] ?? .undefined }
            return .undefined
        case .index(let base, let index):
            return try subscriptValue(try eval(base), try eval(index))
        case .slice(let base, let a, let b, let c):
            return try slice(try eval(base), try a.map { try eval($0) }, try b.map { try eval($0) }, try c.map { try eval($0) })
        case .conditional(let c, let then, let otherwise):
            return try eval(c).isTruthy ? try eval(then) : try otherwise.map { try eval($0) } ?? .undefined
        case .unary(let op, let x):
            let v = try eval(x)
            if op == "not" { return .bool(!v.isTruthy) }
            switch v {
            case .int(let i): return .int(-i)
            case .double(let d): return .double(-d)
            default: throw JinjaError("cannot negate \(v.repr)")
            }
        case .binary("and", let a, let b):
            let l = try eval(a)
            return l.isTruthy ? try eval(b) : l
        case .binary("or", let a, let b):
            let l = try eval(a)
            return l.isTruthy ? l : try eval(b)
        case .binary(let op, let a, let b):
            return try binary(op, try eval(a), try eval(b))
        case .test(let x, let name, let negated):
            let r = try test(name, try eval(x))
            return .bool(negated ? !r : r)
        case .filter(let x, let name, let args):
            return try filter(name, try eval(x), try args.map { try eval($0) })
        case .call(let callee, let args, let kwargs):
            let a = try args.map { try eval($0) }
            let kw = try kwargs.map { ($0.0, try eval($0.1)) }
            return try call(callee, a, kw)
        }
    }

    private func subscriptValue(_ b: JinjaValue, _ i: JinjaValue) throws -> JinjaValue {
        switch (b, i) {
        case (.array(let a), .int(let n)):
            let k = n < 0 ? a.count + n : n
            return a.indices.contains(k) ? a[k] : .undefined
        case (.string(let s), .int(let n)):
            let chars = Array(s), k = n < 0 ? chars.count + n : n
            return chars.indices.contains(k) ? .string(String(chars[k])) : .undefined
        case (.object(_, let d), .string(let key)): return d[key] ?? .undefined
        case (.namespace(let ns), .string(let key)): return ns.values[key] ?? .undefined
        case (.undefined, _), (.none, _): throw JinjaError("cannot index \(b.repr) with \(i.repr)")
        default: return .undefined
        }
    }

    private func slice(_ v: JinjaValue, _ a: JinjaValue?, _ b: JinjaValue?, _ c: JinjaValue?) throws -> JinjaValue {
        func int(_ x: JinjaValue?) -> Int? { if case .int(let i)? = x { return i }; return nil }
        let items: [JinjaValue]
        switch v {
        case .array(let arr): items = arr
        case .string(let s): items = s.map { .string(String($0)) }
        default: throw JinjaError("cannot slice \(v.repr)")
        }
        let n = items.count, step = int(c) ?? 1
        guard step != 0 else { throw JinjaError("slice step cannot be zero") }
        func clamp(_ x: Int?, _ def: Int) -> Int {
            guard var x else { return def }
            if x < 0 { x += n }
            return step > 0 ? min(max(x, 0), n) : min(max(x, -1), n - 1)
        }
        let start = clamp(int(a), step > 0 ? 0 : n - 1), end = clamp(int(b), step > 0 ? n : -1)
        var out: [JinjaValue] = []
        var k = start
        while step > 0 ? k < end : k > end { out.append(items[k]); k += step }
        if case .string = v { return .string(out.map(\.text).joined()) }
        return .array(out)
    }

    private func binary(_ op: String, _ l: JinjaValue, _ r: JinjaValue) throws -> JinjaValue {
        switch op {
        case "==": return .bool(equal(l, r))
        case "!=": return .bool(!equal(l, r))
        case "~": return .string(l.text + r.text)
        case "in":
            switch r {
            case .string(let s): return .bool(s.contains(l.text))
            case .array(let a): return .bool(a.contains { equal($0, l) })
            case .object(_, let d): return .bool(d[l.text] != nil)
            case .namespace(let ns): return .bool(ns.values[l.text] != nil)
            default: throw JinjaError("'in' needs a string, list or dict, got \(r.repr)")
            }
        default: break
        }
        switch (l, r) {
        case (.string(let a), .string(let b)) where op == "+": return .string(a + b)
        case (.array(let a), .array(let b)) where op == "+": return .array(a + b)
        case (.string(let a), .string(let b)):
            switch op {
            case "<": return .bool(a < b); case ">": return .bool(a > b)
            case "<=": return .bool(a <= b); case ">=": return .bool(a >= b)
            default: break
            }
        case (.int(let a), .int(let b)):
            switch op {
            case "+": return .int(a + b); case "-": return .int(a - b); case "*": return .int(a * b)
            case "//": guard b != 0 else { throw JinjaError("division by zero") }; return .int(Int((Double(a) / Double(b)).rounded(.down)))
            case "%": guard b != 0 else { throw JinjaError("modulo by zero") }; return .int(((a % b) + b) % b)
            case "/": guard b != 0 else { throw JinjaError("division by zero") }; return .double(Double(a) / Double(b))
            default: break
            }
        case (.string(let s), .int(let n)) where op == "*": return .string(String(repeating: s, count: max(0, n)))
        default: break
        }
        if let a = number(l), let b = number(r) {
            switch op {
            case "+": return .double(a + b); case "-": return .double(a - b); case "*": return .double(a * b)
            case "/": return .double(a / b)
            case "<": return .bool(a < b); case ">": return .bool(a > b)
            case "<=": return .bool(a <= b); case ">=": return .bool(a >= b)
            default: break
            }
        }
        throw JinjaError("unsupported operation \(l.repr) \(op) \(r.repr)")
    }

    private func number(_ v: JinjaValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    private func equal(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        if case .undefined = a, case .none = b { return false }
        return a == b
    }

    /// A test by name; `argument` for the tests that compare (`equalto`, `ne`, …).
    private func test(_ name: String, _ v: JinjaValue, _ argument: JinjaValue? = nil) throws -> Bool {
        switch name {
        case "equalto", "eq", "==", "sameas": return equal(v, argument ?? .undefined)
        case "ne", "!=": return !equal(v, argument ?? .undefined)
        case "defined": if case .undefined = v { return false }; return true
        case "undefined": if case .undefined = v { return true }; return false
        case "none": if case .none = v { return true }; return false
        case "string": if case .string = v { return true }; return false
        case "number", "integer", "float":
            switch v { case .int: return name != "float"; case .double: return name != "integer"; default: return false }
        case "boolean": if case .bool = v { return true }; return false
        case "mapping": if case .object = v { return true }; return false
        case "sequence", "iterable": return v.iterated != nil
        case "true": return v == .bool(true)
        case "false": return v == .bool(false)
        default: throw JinjaError("unknown test '\(name)'")
        }
    }

    private func filter(_ name: String, _ v: JinjaValue, _ args: [JinjaValue]) throws -> JinjaValue {
        switch name {
        case "trim": return .string(v.text.trimmingWhitespace())
        case "upper": return .string(v.text.uppercased())
        case "lower": return .string(v.text.lowercased())
        case "capitalize": return .string(v.text.prefix(1).uppercased() + v.text.dropFirst().lowercased())
        case "length", "count":
            if case .string(let s) = v { return .int(s.count) }
            guard let items = v.iterated else { throw JinjaError("length of \(v.repr)") }
            return .int(items.count)
        case "string": return .string(v.text)
        case "int": return .int(Int(v.text) ?? Int(number(v) ?? 0))
        case "tojson": return .string(v.json)
        case "join":
            guard let items = v.iterated else { throw JinjaError("join of \(v.repr)") }
            return .string(items.map(\.text).joined(separator: args.first?.text ?? ""))
        case "first": return v.iterated?.first ?? .undefined
        case "last": return v.iterated?.last ?? .undefined
        case "list": return .array(v.iterated ?? [])
        case "reverse":
            if case .string(let s) = v { return .string(String(s.reversed())) }
            return .array((v.iterated ?? []).reversed())
        case "default", "d":
            if case .undefined = v { return args.first ?? .string("") }
            return v
        case "items":
            guard case .object(let keys, let d) = v else { throw JinjaError("items of \(v.repr)") }
            return .array(keys.map { .array([.string($0), d[$0]!]) })
        case "safe", "e", "escape": return v
        case "selectattr", "rejectattr":
            // items whose attribute passes the test (`selectattr("role", "equalto", "system")`), or
            // is truthy when no test is named; rejectattr keeps the others.
            guard let items = v.iterated, let attribute = args.first?.text else { throw JinjaError("\(name) of \(v.repr)") }
            let keep = try items.filter { item in
                var value = JinjaValue.undefined
                if case .object(_, let d) = item { value = d[attribute] ?? .undefined }
                let passes = args.count > 1 ? try test(args[1].text, value, args.dropFirst(2).first) : value.isTruthy
                return passes == (name == "selectattr")
            }
            return .array(keep)
        default: throw JinjaError("unknown filter '\(name)'")
        }
    }

    private func call(_ callee: JinjaExpr, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)]) throws -> JinjaValue {
        if case .name(let fn) = callee {
            switch fn {
            case "raise_exception": throw JinjaError(args.first?.text ?? "raise_exception")
            case "strftime_now": return .string(Self.strftime(args.first?.text ?? "", Date()))
            case "namespace":
                let ns = JinjaNamespace()
                if case .object(let keys, let d)? = args.first { for k in keys { ns.set(k, d[k]!) } }
                for (k, v) in kwargs { ns.set(k, v) }
                return .namespace(ns)
            case "range":
                let n = args.compactMap { number($0) }.map(Int.init)
                let (lo, hi) = n.count >= 2 ? (n[0], n[1]) : (0, n.first ?? 0)
                return .array(lo < hi ? (lo..<hi).map { .int($0) } : [])
            default: break
            }
        }
        guard case .attribute(let baseExpr, let method) = callee else { throw JinjaError("unknown function") }
        var copy = self
        let base = try copy.eval(baseExpr)
        if case .object(let keys, let d) = base {
            switch method {
            case "items": return .array(keys.map { .array([.string($0), d[$0]!]) })
            case "keys": return .array(keys.map { .string($0) })
            case "values": return .array(keys.map { d[$0]! })
            case "get": return d[args.first?.text ?? ""] ?? (args.count > 1 ? args[1] : .none)
            default: throw JinjaError("unknown dict method '\(method)'")
            }
        }
        guard case .string(let s) = base else { throw JinjaError("cannot call '\(method)' on \(base.repr)") }
        let arg = args.first?.text
        switch method {
        case "strip": return .string(arg.map { s.trimmingCharacters(in: CharacterSet(charactersIn: $0)) } ?? s.trimmingWhitespace())
        case "lstrip", "rstrip":
            let strip: (Character) -> Bool = { c in arg.map { $0.contains(c) } ?? c.isWhitespace }
            return .string(method == "lstrip" ? String(s.drop(while: strip)) : String(s.reversed().drop(while: strip).reversed()))
        case "startswith": return .bool(s.hasPrefix(arg ?? ""))
        case "endswith": return .bool(s.hasSuffix(arg ?? ""))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "replace": return .string(s.replacingOccurrences(of: arg ?? "", with: args.count > 1 ? args[1].text : ""))
        case "split":
            let parts = arg.map { s.components(separatedBy: $0) } ?? s.split(whereSeparator: \.isWhitespace).map(String.init)
            return .array(parts.map { .string($0) })
        default: throw JinjaError("unknown string method '\(method)'")
        }
    }
}

extension JinjaRenderer {
    /// The global functions templates may call, and test for (`{% if strftime_now is defined %}`).
    static let functions: Set<String> = ["raise_exception", "namespace", "range", "strftime_now"]

    /// `strftime` for the codes chat templates use (Llama 3's "Today Date: %d %b %Y"): %d %e %m %y %Y
    /// %b %B %a %A %H %M %S %j %%, in the local time zone; other codes are kept as written.
    static func strftime(_ format: String, _ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone.current, from: date)
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                      "November", "December"]
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        var out = "", percent = false
        for ch in format {
            guard percent else { if ch == "%" { percent = true } else { out.append(ch) }; continue }
            percent = false
            switch ch {
            case "d": out += two(c.day)
            case "e": out += (c.day ?? 0) < 10 ? " \(c.day ?? 0)" : "\(c.day ?? 0)"
            case "m": out += two(c.month)
            case "y": out += two((c.year ?? 0) % 100)
            case "Y": out += "\(c.year ?? 0)"
            case "b": out += String(months[(c.month ?? 1) - 1].prefix(3))
            case "B": out += months[(c.month ?? 1) - 1]
            case "a": out += String(days[(c.weekday ?? 1) - 1].prefix(3))
            case "A": out += days[(c.weekday ?? 1) - 1]
            case "H": out += two(c.hour)
            case "M": out += two(c.minute)
            case "S": out += two(c.second)
            case "j":
                let day = Calendar(identifier: .gregorian).ordinality(of: .day, in: .year, for: date) ?? 0
                out += day < 10 ? "00\(day)" : day < 100 ? "0\(day)" : "\(day)"
            case "%": out += "%"
            default: out += "%\(ch)"
            }
        }
        return out
    }
}
