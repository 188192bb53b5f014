import Foundation
import TernLM

extension FieldType {
    /// The value of a field written as text in a reply (a `[[ ## field ## ]]` section's body).
    /// Returns whether the text had to be repaired.
    func value(fromText text: String) throws -> (JSONValue, repaired: Bool) {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch self {
        case .string:
            return (.string(t), false)
        case .int, .double, .bool, .choice:
            if let v = scalar(t) { return (v, false) }
            // Tolerate a quoted value, or a first word followed by an explanation.
            let unquoted = t.trimmingCharacters(in: CharacterSet(charactersIn: "\"'`*. "))
            let firstWord = String(unquoted.split(whereSeparator: { $0.isWhitespace || $0 == "," }).first ?? "")
            if let v = scalar(unquoted) ?? scalar(firstWord.trimmingCharacters(in: CharacterSet(charactersIn: "\"'`*.:;"))) {
                return (v, true)
            }
            throw OutputParseError("expected \(expectation), got \(Self.excerpt(t))", raw: text)
        case .list, .json:
            do {
                let (parsed, repaired) = try LenientJSON.parseNotingRepairs(t)
                return try checked(parsed, repaired: repaired, raw: text)
            } catch let e as ParseError {
                throw OutputParseError("expected \(expectation): \(e)", raw: text)
            }
        }
    }

    /// A JSON value from a structured reply, coerced to this type and validated.
    func checked(_ value: JSONValue, repaired: Bool, raw: String) throws -> (JSONValue, repaired: Bool) {
        let v = SchemaCoercion.coerced(value, to: schema)
        let violations = SchemaValidator(schema: schema).validate(v)
        if let first = violations.first { throw OutputParseError(first.brief, raw: raw) }
        return (v, repaired || v != value)
    }

    private func scalar(_ t: String) -> JSONValue? {
        switch self {
        case .int:
            if let i = Int(t) { return .number(Double(i)) }
            if let d = Double(t), d.rounded() == d, abs(d) < 1e15 { return .number(d) }
            return nil
        case .double:
            return Double(t).map { .number($0) }
        case .bool:
            switch t.lowercased() {
            case "true", "yes": return .bool(true)
            case "false", "no": return .bool(false)
            default: return nil
            }
        case .choice(let options):
            if let o = options.first(where: { $0 == t }) ?? options.first(where: { $0.lowercased() == t.lowercased() }) {
                return .string(o)
            }
            return nil
        default:
            return nil
        }
    }

    var expectation: String {
        switch self {
        case .string: return "text"
        case .int: return "an integer"
        case .double: return "a number"
        case .bool: return "true or false"
        case .choice(let o): return "one of " + o.map { "'\($0)'" }.joined(separator: ", ")
        case .list(let item): return "a JSON array of \(item.label)"
        case .json: return "a JSON value"
        }
    }

    static func excerpt(_ s: String) -> String {
        let one = s.replacingOccurrences(of: "\n", with: " ")
        return one.isEmpty ? "nothing" : "'" + (one.count > 60 ? one.prefix(57) + "..." : one) + "'"
    }
}

extension SchemaViolation {
    /// The message, with the path only when it is below the root.
    var brief: String { path.isEmpty || path == "/" ? message : "\(path): \(message)" }
}
