import TernLM

/// Turns a signature, its demos and a call's inputs into messages, and a model's reply back into
/// output values. Adding an adapter is one file conforming to this.
public protocol Adapter: Sendable {
    /// "chat", "json", "yaml": recorded in traces.
    var name: String { get }
    /// The messages for one call: instructions and field layout, demos as earlier turns, then the inputs.
    func messages(_ signature: Signature, demos: [Example], inputs: Example) -> [Message]
    /// The `response_format` to ask for, if the backend can enforce one.
    func responseFormat(_ signature: Signature, for model: any LanguageModel) -> ResponseFormat?
    /// The output fields of `reply`; throws `OutputParseError` when they cannot be recovered.
    func parse(_ signature: Signature, reply: String) throws -> ParsedReply
}

/// Output values recovered from a reply, and whether the defensive parser had to repair it.
public struct ParsedReply: Sendable, Hashable {
    public var values: [String: JSONValue]
    public var repaired: Bool
    public init(values: [String: JSONValue], repaired: Bool) {
        self.values = values
        self.repaired = repaired
    }
}

/// A reply that could not be turned into the signature's outputs. Carries the raw text.
public struct OutputParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var raw: String
    public init(_ message: String, raw: String) {
        self.message = message
        self.raw = raw
    }
    public var description: String { message }
}

extension Adapter {
    /// The user turn that asks again after a reply failed to parse, quoting the error (as Instructor does).
    public func reask(_ error: OutputParseError, signature: Signature) -> Message {
        .user("Your reply could not be used: \(error.message)\nAnswer again with exactly the fields asked for: "
              + signature.outputs.map { "`\($0.name)`" }.joined(separator: ", ") + ".")
    }

    /// The field list for the system message: "1. `question` (str): what it holds".
    func describe(_ fields: [Field]) -> String {
        fields.enumerated().map { i, f in
            "\(i + 1). `\(f.name)` (\(f.type.label))" + (f.description.isEmpty ? "" : ": \(f.description)")
        }.joined(separator: "\n")
    }

    func checkInputs(_ signature: Signature, _ inputs: Example) throws {
        for f in signature.inputs where inputs[f.name] == nil { throw ProgramError.missingInput(f.name) }
    }
}
