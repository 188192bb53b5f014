import Foundation

/// A value inside a Jinja template: what Python would hold, narrowed to what chat templates use.
indirect enum JinjaValue: Equatable {
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaValue])
    /// Keys keep their insertion order, as Python dicts do.
    case object([String], [String: JinjaValue])
    case namespace(JinjaNamespace)

    static func object(_ pairs: [(String, JinjaValue)]) -> JinjaValue {
        var keys: [String] = [], dict: [String: JinjaValue] = [:]
        for (k, v) in pairs { if dict[k] == nil { keys.append(k) }; dict[k] = v }
        return .object(keys, dict)
    }

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let k, _): return !k.isEmpty
        case .namespace: return true
        }
    }

    /// What `{{ value }}` prints (Python's str()).
    var text: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e16 ? String(format: "%.1f", d) : String(d)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(\.repr).joined(separator: ", ") + "]"
        case .object(let keys, let d): return "{" + keys.map { "'\($0)': \(d[$0]!.repr)" }.joined(separator: ", ") + "}"
        case .namespace: return "<Namespace>"
        }
    }

    /// Python's repr(), for values printed inside lists and dicts.
    var repr: String {
        if case .string(let s) = self { return "'" + s.replacingOccurrences(of: "'", with: "\\'") + "'" }
        return text
    }

    /// JSON text, as the `tojson` filter writes it.
    var json: String {
        switch self {
        case .undefined, .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s):
            let data = (try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        case .array(let a): return "[" + a.map(\.json).joined(separator: ", ") + "]"
        case .object(let keys, let d): return "{" + keys.map { JinjaValue.string($0).json + ": " + d[$0]!.json }.joined(separator: ", ") + "}"
        case .namespace(let n): return JinjaValue.object(n.keys, n.values).json
        }
    }

    /// Elements when iterated: a list's items, a dict's keys, a string's characters.
    var iterated: [JinjaValue]? {
        switch self {
        case .array(let a): return a
        case .object(let keys, _): return keys.map { .string($0) }
        case .string(let s): return s.map { .string(String($0)) }
        default: return nil
        }
    }

    /// Converts JSON (messages, tools) into template values.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .number(let n): self = n.rounded() == n && abs(n) < 1e15 ? .int(Int(n)) : .double(n)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JinjaValue.init))
        case .object(let o): self = .object(o.keys.sorted(), o.mapValues(JinjaValue.init))
        }
    }
}

/// `namespace(...)`: the one mutable value, so that a `set` inside a loop can reach outside it.
final class JinjaNamespace: Equatable {
    var keys: [String] = []
    var values: [String: JinjaValue] = [:]
    func set(_ key: String, _ value: JinjaValue) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }
    static func == (a: JinjaNamespace, b: JinjaNamespace) -> Bool { a === b }
}

/// A template that cannot be read or rendered, with what and where.
public struct JinjaError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { "chat template: \(message)" }
    init(_ message: String) { self.message = message }
}
