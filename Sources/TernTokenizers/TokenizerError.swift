/// A vocabulary that cannot be used. The description is one line: what is wrong and what to do.
public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "tokenizer: \(message)" }
}
