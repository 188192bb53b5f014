/// Failures a user can cause while running a model, each one line saying what to do.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case promptTooLong(tokens: Int, context: Int)
    case contextFull(context: Int)
    case emptyPrompt
    case textTooShort(tokens: Int, needed: Int)

    public var description: String {
        switch self {
        case let .promptTooLong(tokens, context):
            return "prompt is \(tokens) tokens but the context holds \(context): shorten the prompt or raise --ctx"
        case let .contextFull(context):
            return "context of \(context) tokens is full: raise --ctx or lower --max-tokens"
        case .emptyPrompt:
            return "prompt is empty after tokenization: give some text"
        case let .textTooShort(tokens, needed):
            return "text has \(tokens) tokens, fewer than one chunk of \(needed): use a longer file or a smaller --ctx"
        }
    }
}
