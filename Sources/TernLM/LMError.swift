/// What can go wrong in a call to a language model, each with a message a user can act on.
public enum LMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request itself is wrong (a bad field, an empty prompt): HTTP 400.
    case invalidRequest(String)
    /// The prompt does not fit: HTTP 400.
    case promptTooLong(tokens: Int, context: Int)
    /// No such model: HTTP 404.
    case unknownModel(String)
    /// The backend does not offer this operation (e.g. embeddings on a chat-only server).
    case unsupported(String)
    /// A remote server answered with an error status.
    case server(status: Int, message: String)
    /// A remote server could not be reached, or did not answer in time.
    case transport(String)
    /// The server is at its queue limit: HTTP 429/503.
    case overloaded(String)
    case cancelled

    public var description: String {
        switch self {
        case .invalidRequest(let m): return "invalid request: \(m)"
        case .promptTooLong(let t, let c):
            return "the prompt is \(t) tokens but the context holds \(c): shorten it or raise the context size"
        case .unknownModel(let m): return "unknown model '\(m)'"
        case .unsupported(let m): return "not supported: \(m)"
        case .server(let s, let m): return "server answered \(s): \(m)"
        case .transport(let m): return "cannot reach the server: \(m)"
        case .overloaded(let m): return "overloaded: \(m)"
        case .cancelled: return "the request was cancelled"
        }
    }
}
