import Foundation
import TernLM

/// One way a value fails its schema, located by JSON Pointer.
public struct SchemaViolation: Equatable, Sendable, CustomStringConvertible {
    /// JSON Pointer (RFC 6901) to the offending value; "" is the root.
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `/items/2/price: expected number, got string`; the root shows as `/`.
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

/// Checks a ``JSONValue`` against the JSON Schema subset used for structured output.
///
/// Keywords: `type` (a name or a list; `integer` means a whole number), `properties`, `required`,
/// `additionalProperties` (bool or schema), `items`, `minItems`, `maxItems`, `enum`, `const`,
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (numeric form), `minLength`,
/// `maxLength` (counted in characters), `pattern` (unanchored, as the spec says), `anyOf`,
/// `oneOf`, `allOf`, and `$ref` to `#/$defs/…`, `#/definitions/…` or any local pointer.
/// Unknown keywords are ignored; boolean schemas `true` and `false` are honored.
///
/// ```swift
/// let schema: JSONValue = .object(["type": .string("object"),
///     "properties": .object(["price": .object(["type": .string("number")])]),
///     "required": .array([.string("price")])])
/// let problems = SchemaValidator(schema: schema).validate(.object(["price": .string("3")]))
/// // ["/price: expected number, got string"]
/// ```
public struct SchemaValidator: Sendable {
    public let schema: JSONValue

    public init(schema: JSONValue) { self.schema = schema }

    /// Every violation found, in a stable order (object members by sorted key).
    public func validate(_ value: JSONValue) -> [SchemaViolation] {
        var out: [SchemaViolation] = []
        check(value, against: schema, at: "", refDepth: 0, into: &out)
        return out
    }

    /// Whether `value` satisfies `schema`, resolving references against this validator's root.
    public func accepts(_ value: JSONValue, _ schema: JSONValue) -> Bool {
        var out: [SchemaViolation] = []
        check(value, against: schema, at: "", refDepth: 0, into: &out)
        return out.isEmpty
    }

    /// Follows a local `$ref` ("#/$defs/Item") through the root schema.
    func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#") else { return nil }
        var node = schema
        for raw in ref.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            let decoded = token.removingPercentEncoding ?? token
            switch node {
            case .object(let o): guard let next = o[decoded] else { return nil }; node = next
            case .array(let a): guard let n = Int(decoded), a.indices.contains(n) else { return nil }; node = a[n]
            default: return nil
            }
        }
        return node
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let n): return n.rounded() == n && n.isFinite ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    static func matchesType(_ value: JSONValue, _ type: String) -> Bool {
        let actual = typeName(value)
        return actual == type || (type == "number" && actual == "integer")
    }

    static func describe(_ value: JSONValue) -> String {
        let text = value.canonicalJSON
        return text.count > 40 ? String(text.prefix(37)) + "..." : text
    }

    private static func pointer(_ base: String, _ token: String) -> String {
        base + "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    private func check(_ value: JSONValue, against schema: JSONValue, at path: String, refDepth: Int,
                       into out: inout [SchemaViolation]) {
        func report(_ message: String) { out.append(SchemaViolation(path: path, message: message)) }
        if case .bool(let allowed) = schema {
            if !allowed { report("no value is allowed here") }
            return
        }
        guard case .object(let s) = schema else { return }

        if case .string(let ref)? = s["$ref"] {
            guard refDepth < 64, let target = resolve(ref) else { return report("unresolvable $ref \(ref)") }
            check(value, against: target, at: path, refDepth: refDepth + 1, into: &out)
        }

        if let type = s["type"] {
            let names: [String] = type.array?.compactMap(\.string) ?? type.string.map { [$0] } ?? []
            if !names.isEmpty && !names.contains(where: { Self.matchesType(value, $0) }) {
                let actual = Self.typeName(value) == "integer" ? "number" : Self.typeName(value)
                // A mismatched type makes the remaining keywords noise; report just this.
                return report("expected \(names.joined(separator: " or ")), got \(actual)")
            }
        }
        if let options = s["enum"]?.array, !options.contains(value) {
            report("expected one of \(options.map(Self.describe).joined(separator: ", ")), got \(Self.describe(value))")
        }
        if let constant = s["const"], constant != value {
            report("expected \(Self.describe(constant)), got \(Self.describe(value))")
        }

        switch value {
        case .number(let n):
            if let m = s["minimum"]?.number, n < m { report("expected at least \(Self.format(m)), got \(Self.format(n))") }
            if let m = s["maximum"]?.number, n > m { report("expected at most \(Self.format(m)), got \(Self.format(n))") }
            if let m = s["exclusiveMinimum"]?.number, n <= m { report("expected more than \(Self.format(m)), got \(Self.format(n))") }
            if let m = s["exclusiveMaximum"]?.number, n >= m { report("expected less than \(Self.format(m)), got \(Self.format(n))") }
        case .string(let text):
            let length = text.count
            if let m = s["minLength"]?.number, Double(length) < m { report("expected at least \(Self.format(m)) characters, got \(length)") }
            if let m = s["maxLength"]?.number, Double(length) > m { report("expected at most \(Self.format(m)) characters, got \(length)") }
            if let pattern = s["pattern"]?.string {
                if let regex = try? NSRegularExpression(pattern: pattern) {
                    let range = NSRange(text.startIndex..., in: text)
                    if regex.firstMatch(in: text, range: range) == nil { report("expected to match /\(pattern)/, got \(Self.describe(value))") }
                } else {
                    report("schema pattern /\(pattern)/ is not a valid regular expression")
                }
            }
        case .array(let items):
            if let m = s["minItems"]?.number, Double(items.count) < m { report("expected at least \(Self.format(m)) items, got \(items.count)") }
            if let m = s["maxItems"]?.number, Double(items.count) > m { report("expected at most \(Self.format(m)) items, got \(items.count)") }
            if let itemSchema = s["items"] {
                for (index, item) in items.enumerated() {
                    check(item, against: itemSchema, at: Self.pointer(path, String(index)), refDepth: refDepth, into: &out)
                }
            }
        case .object(let members):
            let properties = s["properties"]?.object ?? [:]
            for name in s["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil {
                report("missing required property \"\(name)\"")
            }
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[key] {
                    check(member, against: propertySchema, at: Self.pointer(path, key), refDepth: refDepth, into: &out)
                } else if let extra = s["additionalProperties"] {
                    if case .bool(false) = extra {
                        out.append(SchemaViolation(path: Self.pointer(path, key), message: "unexpected property \"\(key)\""))
                    } else {
                        check(member, against: extra, at: Self.pointer(path, key), refDepth: refDepth, into: &out)
                    }
                }
            }
        default: break
        }

        if let branches = s["allOf"]?.array {
            for branch in branches { check(value, against: branch, at: path, refDepth: refDepth, into: &out) }
        }
        if let branches = s["anyOf"]?.array, !branches.contains(where: { passes(value, $0, refDepth) }) {
            report("expected to match at least one anyOf schema")
        }
        if let branches = s["oneOf"]?.array {
            let matches = branches.filter { passes(value, $0, refDepth) }.count
            if matches != 1 { report("expected to match exactly one oneOf schema, matched \(matches)") }
        }
    }

    private func passes(_ value: JSONValue, _ schema: JSONValue, _ refDepth: Int) -> Bool {
        var out: [SchemaViolation] = []
        check(value, against: schema, at: "", refDepth: refDepth, into: &out)
        return out.isEmpty
    }

    static func format(_ n: Double) -> String {
        n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    }
}
