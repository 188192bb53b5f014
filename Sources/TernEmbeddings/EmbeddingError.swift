/// Why an embedding model could not be loaded or run; its `description` is the one line a user
/// sees, naming the file or input and what to do.
public struct EmbeddingError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A file of the model folder is missing or cannot be read.
        case fileNotFound
        /// A file is there but malformed (bad header, wrong shape, unknown dtype, bad JSON).
        case corrupt
        /// The model is well formed but of a kind Tern does not run.
        case unsupported
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
