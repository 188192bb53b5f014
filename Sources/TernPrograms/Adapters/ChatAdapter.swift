import Foundation
import TernLM

/// Fields as `[[ ## name ## ]]` sections, closed by `[[ ## completed ## ]]` (DSPy's chat format).
/// The system turn lists the fields and the instructions; each demo is a user turn with its inputs
/// and an assistant turn with its outputs; the last user turn holds the call's inputs.
///
///     let messages = ChatAdapter().messages(try Signature("question -> answer"), demos: [], inputs: ["question": "2+2?"])
public struct ChatAdapter: Adapter {
    public var name: String { "chat" }
    public init() {}

    public func messages(_ signature: Signature, demos: [Example], inputs: Example) -> [Message] {
        var m: [Message] = [.system(system(signature))]
        for demo in demos {
            m.append(.user(userTurn(signature, demo)))
            m.append(.assistant(assistantTurn(signature, demo)))
        }
        m.append(.user(userTurn(signature, inputs)))
        return m
    }

    /// A supervised fine-tuning example in this format: the call's messages for `inputs` and the
    /// assistant's reply holding `outputs`, as a model trained on it should answer.
    ///
    ///     let chat = ChatAdapter().trainingMessages(sig, inputs: ["text": "Rain tomorrow."], outputs: ["topic": "weather"])
    public func trainingMessages(_ signature: Signature, inputs: Example, outputs: Example) -> [Message] {
        messages(signature, demos: [], inputs: inputs) + [.assistant(assistantTurn(signature, outputs))]
    }

    public func responseFormat(_ signature: Signature, for model: any LanguageModel) -> ResponseFormat? { nil }

    public func parse(_ signature: Signature, reply: String) throws -> ParsedReply {
        let sections = Self.sections(reply)
        var values: [String: JSONValue] = [:]
        var repaired = false
        for field in signature.outputs {
            guard let body = sections[field.name] else {
                throw OutputParseError("the reply has no `[[ ## \(field.name) ## ]]` section", raw: reply)
            }
            let (v, r) = try field.type.value(fromText: body)
            values[field.name] = v
            repaired = repaired || r
        }
        return ParsedReply(values: values, repaired: repaired)
    }

    // MARK: Rendering

    func system(_ s: Signature) -> String {
        var lines = ["Your input fields are:", describe(s.inputs), "Your output fields are:", describe(s.outputs),
                     "Every exchange is laid out as below, with the values filled in.", ""]
        for f in s.inputs { lines += [marker(f.name), "{\(f.name)}", ""] }
        for f in s.outputs {
            lines += [marker(f.name), "{\(f.name)}" + (f.type == .string ? "" : "        # \(f.type.expectation)"), ""]
        }
        lines += [marker("completed"), "Your task: \(s.instructions)"]
        return lines.joined(separator: "\n")
    }

    func userTurn(_ s: Signature, _ values: Example) -> String {
        var parts = s.inputs.map { marker($0.name) + "\n" + (values[$0.name].map(FieldText.render) ?? "") }
        let first = s.outputs.first.map { "`\(marker($0.name))`" } ?? ""
        parts.append("Reply with the output fields, starting with \(first) and ending with `\(marker("completed"))`.")
        return parts.joined(separator: "\n\n")
    }

    func assistantTurn(_ s: Signature, _ values: Example) -> String {
        (s.outputs.map { marker($0.name) + "\n" + (values[$0.name].map(FieldText.render) ?? "") }
            + [marker("completed")]).joined(separator: "\n\n")
    }

    func marker(_ name: String) -> String { "[[ ## \(name) ## ]]" }

    /// The text under each `[[ ## name ## ]]` marker, up to the next marker (first occurrence wins).
    static func sections(_ reply: String) -> [String: String] {
        let pattern = try! NSRegularExpression(pattern: #"\[\[ ## (\w+) ## \]\]"#)
        let ns = reply as NSString
        let matches = pattern.matches(in: reply, range: NSRange(location: 0, length: ns.length))
        var out: [String: String] = [:]
        for (i, m) in matches.enumerated() {
            let name = ns.substring(with: m.range(at: 1))
            let start = m.range.location + m.range.length
            let end = i + 1 < matches.count ? matches[i + 1].range.location : ns.length
            if out[name] == nil { out[name] = ns.substring(with: NSRange(location: start, length: end - start)) }
        }
        return out
    }
}
