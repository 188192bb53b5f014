import Foundation

/// What a step of a program takes and gives: named, typed input and output fields, and
/// instructions. Written as a string the way DSPy users write it, or built from a typed
/// declaration (see `TypedSignature`). Derived signatures are new values.
///
///     let qa = try Signature("context, question -> answer: int")
///     let cot = qa.prependingOutput(Field("reasoning", description: "Think step by step."))
public struct Signature: Sendable, Hashable, Codable {
    public var inputs: [Field]
    public var outputs: [Field]
    public var instructions: String

    public init(inputs: [Field], outputs: [Field], instructions: String? = nil) {
        self.inputs = inputs
        self.outputs = outputs
        self.instructions = instructions ?? Self.defaultInstructions(inputs: inputs, outputs: outputs)
    }

    /// Parses `"a, b: int -> c: list[str], d: Literal['x', 'y']"`. Types: str (the default), int,
    /// float, bool, list[T], Literal[...], json.
    public init(_ spec: String, instructions: String? = nil) throws {
        let sides = spec.components(separatedBy: "->")
        guard sides.count == 2 else {
            throw ProgramError.invalidSignature("'\(spec)' needs exactly one '->' between inputs and outputs")
        }
        let inputs = try Self.fields(sides[0], in: spec)
        let outputs = try Self.fields(sides[1], in: spec)
        guard !outputs.isEmpty else { throw ProgramError.invalidSignature("'\(spec)' has no output field") }
        let names = (inputs + outputs).map(\.name)
        if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw ProgramError.invalidSignature("field '\(dup)' appears twice in '\(spec)'")
        }
        self.init(inputs: inputs, outputs: outputs, instructions: instructions)
    }

    public var fields: [Field] { inputs + outputs }

    public func withInstructions(_ text: String) -> Signature {
        var s = self
        s.instructions = text
        return s
    }

    public func appendingInput(_ field: Field) -> Signature { var s = self; s.inputs.append(field); return s }
    public func prependingInput(_ field: Field) -> Signature { var s = self; s.inputs.insert(field, at: 0); return s }
    public func appendingOutput(_ field: Field) -> Signature { var s = self; s.outputs.append(field); return s }
    public func prependingOutput(_ field: Field) -> Signature { var s = self; s.outputs.insert(field, at: 0); return s }

    /// The instructions a signature gets when none are given.
    public static func defaultInstructions(inputs: [Field], outputs: [Field]) -> String {
        func list(_ f: [Field]) -> String { f.map { "`\($0.name)`" }.joined(separator: ", ") }
        return inputs.isEmpty ? "Write \(list(outputs))." : "From \(list(inputs)), write \(list(outputs))."
    }

    // MARK: Parsing

    private static func fields(_ side: String, in spec: String) throws -> [Field] {
        let trimmed = side.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [] }
        return try splitTopLevel(trimmed).map { part in
            let pieces = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let name = pieces[0]
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !name.first!.isNumber else {
                throw ProgramError.invalidSignature("'\(name)' in '\(spec)' is not a field name (letters, digits, _)")
            }
            let type = pieces.count > 1 ? try parseType(pieces[1], in: spec) : .string
            return Field(name, type)
        }
    }

    /// Splits on commas that are not inside brackets or quotes.
    private static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        var quote: Character?
        for ch in s {
            if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "'" || ch == "\"" {
                quote = ch
            } else if ch == "[" {
                depth += 1
            } else if ch == "]" {
                depth -= 1
            } else if ch == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue
            }
            current.append(ch)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    static func parseType(_ text: String, in spec: String) throws -> FieldType {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch t.lowercased() {
        case "str", "string": return .string
        case "int", "integer": return .int
        case "float", "double", "number": return .double
        case "bool", "boolean": return .bool
        case "json", "dict": return .json([:])
        default: break
        }
        if t.lowercased().hasPrefix("list["), t.hasSuffix("]") {
            return .list(try parseType(String(t.dropFirst(5).dropLast()), in: spec))
        }
        if t.hasPrefix("["), t.hasSuffix("]") {
            return .list(try parseType(String(t.dropFirst().dropLast()), in: spec))
        }
        if t.hasPrefix("Literal["), t.hasSuffix("]") {
            let options = splitTopLevel(String(t.dropFirst(8).dropLast())).map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
            }
            guard !options.isEmpty, !options.contains("") else {
                throw ProgramError.invalidSignature("empty option in '\(t)' in '\(spec)'")
            }
            return .choice(options)
        }
        throw ProgramError.invalidSignature("unknown type '\(t)' in '\(spec)' (use str, int, float, bool, list[T], Literal[...], json)")
    }
}
