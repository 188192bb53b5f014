import TernLM

/// A reply that still did not parse after every attempt. Carries each raw reply and the last error.
public struct StructuredOutputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// The last reply, exactly as the model wrote it.
    public var raw: String
    /// Every reply, first to last.
    public var replies: [String]
    public var description: String {
        "no usable reply after \(replies.count) attempt\(replies.count == 1 ? "" : "s"): \(message)"
    }
}

/// Structured-output layer 3: call, parse, and when parsing or validation fails, ask again quoting
/// the exact error (as Instructor does), up to `context.maxAttempts` calls. The span it runs in
/// records which layer produced the value ("constrained", "parsed", "repaired" or "reask") and each
/// re-ask's error.
func generateParsed<T: Sendable>(_ messages: [Message], parameters: GenerationParameters, context: ProgramContext,
                                 reask: (OutputParseError) -> Message,
                                 parse: (String) throws -> (T, repaired: Bool)) async throws -> (T, raw: String) {
    var messages = messages
    var replies: [String] = []
    var last = OutputParseError("no reply", raw: "")
    for attempt in 1...context.maxAttempts {
        let c = try await context.lm.complete(CompletionRequest(.chat(messages), parameters: parameters,
                                                                rolloutID: context.rolloutID))
        replies.append(c.text)
        do {
            let (value, repaired) = try parse(c.text)
            let layer = attempt > 1 ? "reask" : parameters.responseFormat != nil ? "constrained" : repaired ? "repaired" : "parsed"
            context.annotate(["layer": .string(layer), "attempts": .number(Double(attempt))])
            return (value, c.text)
        } catch let e as OutputParseError {
            last = e
            context.annotate(["error_\(attempt)": .string(e.message)])
            messages += [.assistant(c.text), reask(e)]
        }
    }
    context.annotate(["layer": "failed", "attempts": .number(Double(context.maxAttempts))])
    throw StructuredOutputError(message: last.message, raw: replies.last ?? "", replies: replies)
}
