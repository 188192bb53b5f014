/// What a model is asked: a chat, rendered by the model's chat template, or raw text sent as is.
public enum Prompt: Sendable, Hashable, Codable {
    case chat([Message])
    case text(String)

    /// The messages of a chat; a raw prompt as one user message (for traces and displays).
    public var messages: [Message] {
        switch self {
        case .chat(let m): return m
        case .text(let t): return [.user(t)]
        }
    }
}
