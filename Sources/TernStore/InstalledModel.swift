/// A model file in `<tern cache>/models/`, as listed by `ModelStore.installed()`.
///
///     for model in ModelStore().installed() { print(model.name, model.size) }  // gemma3-270m 253113024
public struct InstalledModel: Sendable, Equatable {
    /// The registry name for a known file (`gemma3-270m`), else the file name without `.gguf`.
    public let name: String
    /// Absolute path of the `.gguf` file.
    public let path: String
    /// Size in bytes.
    public let size: Int64

    public init(name: String, path: String, size: Int64) {
        self.name = name
        self.path = path
        self.size = size
    }
}
