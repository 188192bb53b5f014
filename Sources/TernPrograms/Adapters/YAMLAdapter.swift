import Foundation
import TernLM

/// Outputs as a YAML mapping, for backends without `response_format`: YAML is easier than JSON for
/// small models to write (no quoting), and the defensive YAML parser forgives indentation and colons.
///
///     let prediction = try await Predict("text -> summary").forward(inputs, context: ctx.with(adapter: YAMLAdapter()))
public struct YAMLAdapter: Adapter {
    public var name: String { "yaml" }
    public init() {}

    public func messages(_ signature: Signature, demos: [Example], inputs: Example) -> [Message] {
        var m: [Message] = [.system(system(signature))]
        for demo in demos {
            m.append(.user(userTurn(signature, demo)))
            m.append(.assistant(Self.mapping(signature.outputs, demo)))
        }
        m.append(.user(userTurn(signature, inputs)))
        return m
    }

    public func responseFormat(_ signature: Signature, for model: any LanguageModel) -> ResponseFormat? { nil }

    public func parse(_ signature: Signature, reply: String) throws -> ParsedReply {
        let value: JSONValue
        do { value = try LenientYAML.parse(reply) } catch {
            throw OutputParseError("the reply is not a YAML mapping: \(error)", raw: reply)
        }
        guard let object = value.object else {
            throw OutputParseError("the reply is a YAML \(value.kind), not a mapping", raw: reply)
        }
        return try JSONAdapter.fields(signature, object, repaired: false, raw: reply)
    }

    /// `key: value` lines in field order; multi-line text as a `|` block, other values as flow JSON.
    static func mapping(_ fields: [Field], _ values: Example) -> String {
        fields.map { f in
            let v = values[f.name] ?? .null
            if case .string(let s) = v {
                if s.contains("\n") { return "\(f.name): |\n" + s.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") }
                return "\(f.name): " + (needsQuotes(s) ? v.canonicalJSON : s)
            }
            return "\(f.name): " + v.canonicalJSON
        }.joined(separator: "\n")
    }

    /// Plain scalars that YAML would read as something else (numbers, booleans, null) or that start
    /// with an indicator character are quoted.
    static func needsQuotes(_ s: String) -> Bool {
        if s.isEmpty || Double(s) != nil { return true }
        if ["true", "false", "null", "~", "yes", "no"].contains(s.lowercased()) { return true }
        if let c = s.first, "-?:,[]{}#&*!|>'\"%@`".contains(c) { return true }
        return s.contains(": ") || s.contains(" #") || s.hasPrefix(" ") || s.hasSuffix(" ")
    }

    func system(_ s: Signature) -> String {
        ["Your input fields are:", describe(s.inputs), "Your output fields are:", describe(s.outputs),
         "Reply in YAML: one `key: value` line per output field (" + s.outputs.map { "`\($0.name)`" }.joined(separator: ", ")
            + "), nothing else.",
         "Your task: \(s.instructions)"].joined(separator: "\n")
    }

    func userTurn(_ s: Signature, _ values: Example) -> String {
        (s.inputs.map { "[[ ## \($0.name) ## ]]\n" + (values[$0.name].map(FieldText.render) ?? "") }
            + ["Reply in YAML with the keys " + s.outputs.map { "`\($0.name)`" }.joined(separator: ", ") + "."])
            .joined(separator: "\n\n")
    }
}
