import Foundation
import TernLM

/// Converts a parsed value toward its schema the way lax typed parsers (pydantic's lax mode,
/// DSPy's adapters) do, so `"42"` becomes `42` where a number is required.
///
/// Conversions: numeric strings to numbers (`integer` only when whole), `"true"`/`"false"` (any
/// case) to booleans, numbers and booleans to strings, a lone value to a one-element array,
/// and strings to the canonical spelling of a case-insensitively matching `enum` member. It
/// recurses through `properties`, `additionalProperties`, `items`, `$ref`, `allOf`, `anyOf` and
/// `oneOf`. It never invents missing values: absent properties stay absent, and a value that
/// cannot be converted is returned unchanged for ``SchemaValidator`` to report.
///
/// ```swift
/// let schema: JSONValue = .object(["type": .string("object"), "properties": .object([
///     "count": .object(["type": .string("integer")]),
///     "tags": .object(["type": .string("array"), "items": .object(["type": .string("string")])])])])
/// SchemaCoercion.coerced(.object(["count": .string("3"), "tags": .number(7)]), to: schema)
/// // .object(["count": .number(3), "tags": .array([.string("7")])])
/// ```
/// The walk behind ``coerced(_:to:)``; holds the root schema so `$ref` can be followed.
public struct SchemaCoercion: Sendable {
    let validator: SchemaValidator

    public static func coerced(_ value: JSONValue, to schema: JSONValue) -> JSONValue {
        SchemaCoercion(root: schema).coerce(value, schema, depth: 0)
    }

    public init(root: JSONValue) { validator = SchemaValidator(schema: root) }

    /// Coerces `value` toward the root schema.
    public func coerce(_ value: JSONValue) -> JSONValue { coerce(value, validator.schema, depth: 0) }

    func coerce(_ value: JSONValue, _ schema: JSONValue, depth: Int) -> JSONValue {
        guard depth < 64, case .object(let s) = schema else { return value }
        var value = value
        if case .string(let ref)? = s["$ref"], let target = validator.resolve(ref) {
            value = coerce(value, target, depth: depth + 1)
        }
        for branch in s["allOf"]?.array ?? [] { value = coerce(value, branch, depth: depth + 1) }
        for key in ["anyOf", "oneOf"] {
            guard let branches = s[key]?.array, !branches.contains(where: { validator.accepts(value, $0) }) else { continue }
            // The first branch the value can be converted into wins; otherwise leave it alone.
            for branch in branches {
                let candidate = coerce(value, branch, depth: depth + 1)
                if validator.accepts(candidate, branch) { value = candidate; break }
            }
        }

        let types: [String] = s["type"]?.array?.compactMap(\.string) ?? s["type"]?.string.map { [$0] } ?? []
        if !types.isEmpty && !types.contains(where: { SchemaValidator.matchesType(value, $0) }) {
            for type in types {
                if let converted = Self.convert(value, to: type, schema: s) { value = converted; break }
            }
        }
        if let options = s["enum"]?.array { value = Self.canonical(value, in: options) }
        if let constant = s["const"] { value = Self.canonical(value, in: [constant]) }

        switch value {
        case .object(var members):
            let properties = s["properties"]?.object ?? [:]
            for (key, member) in members {
                if let propertySchema = properties[key] {
                    members[key] = coerce(member, propertySchema, depth: depth + 1)
                } else if let extra = s["additionalProperties"], extra.object != nil {
                    members[key] = coerce(member, extra, depth: depth + 1)
                }
            }
            return .object(members)
        case .array(let items):
            guard let itemSchema = s["items"] else { return value }
            return .array(items.map { coerce($0, itemSchema, depth: depth + 1) })
        default:
            return value
        }
    }

    static func convert(_ value: JSONValue, to type: String, schema: [String: JSONValue]) -> JSONValue? {
        switch (type, value) {
        case ("number", .string(let text)), ("integer", .string(let text)):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard YAMLScalar.isNumber(Array(trimmed.utf8)), case .number(let n) = YAMLScalar.resolve(trimmed) else { return nil }
            return type == "integer" && n.rounded() != n ? nil : .number(n)
        case ("boolean", .string(let text)):
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case ("string", .number(let n)):
            return .string(n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n))
        case ("string", .bool(let b)):
            return .string(b ? "true" : "false")
        case ("array", _):
            if case .array = value { return nil }
            return .array([value])
        default:
            return nil
        }
    }

    /// The enum member a string was meant to be: exact, else case- and space-insensitive.
    static func canonical(_ value: JSONValue, in options: [JSONValue]) -> JSONValue {
        guard !options.contains(value), case .string(let text) = value else { return value }
        let wanted = text.trimmingCharacters(in: .whitespaces).lowercased()
        for option in options {
            if case .string(let member) = option, member.lowercased() == wanted { return option }
            if case .number(let n) = option, let m = Double(wanted), m == n { return option }
        }
        return value
    }
}
