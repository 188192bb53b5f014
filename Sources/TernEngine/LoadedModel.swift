import TernGGUF
import TernModels
import TernTokenizers

/// A model file opened and ready to run: the memory-mapped GGUF, its architecture and tokenizer.
///
///     let loaded = try LoadedModel(path: path, threads: 2)
///     let session = Session(loaded, contextSize: 2048)
public final class LoadedModel: Sendable {
    public let path: String
    public let file: GGUFFile
    public let model: any CausalLM
    public let tokenizer: any Tokenizer

    /// The LoRA adapters the model runs with (paths), in the order they were given.
    public let adapters: [String]

    /// `adapters`: llama.cpp LoRA adapter files and the scale of each (`--lora FILE --lora-scale S`).
    public init(path: String, threads: Int, adapters: [(path: String, scale: Float)] = []) throws {
        self.path = path
        file = try GGUFFile(path: path)
        let loras = try adapters.map { try LoRAAdapter(path: $0.path, scale: $0.scale) }
        self.adapters = adapters.map(\.path)
        model = try ModelRegistry.load(file, threads: threads, adapters: loras)
        tokenizer = try loadTokenizer(file)
    }

    /// `base` with other adapters: the weights, file and tokenizer are shared, not loaded again.
    ///
    ///     let tuned = try LoadedModel(base, adapters: [("run/adapter.gguf", 1)])
    public init(_ base: LoadedModel, adapters: [(path: String, scale: Float)]) throws {
        path = base.path
        file = base.file
        tokenizer = base.tokenizer
        let loras = try adapters.map { try LoRAAdapter(path: $0.path, scale: $0.scale) }
        self.adapters = adapters.map(\.path)
        model = try base.model.adapted(loras)
    }

    /// `base` with adapters held in memory (listed by their `path`s): a training run samples
    /// from its current weights this way, without writing or merging them.
    public init(_ base: LoadedModel, adapters loras: [LoRAAdapter]) throws {
        path = base.path
        file = base.file
        tokenizer = base.tokenizer
        adapters = loras.map(\.path)
        model = try base.model.adapted(loras)
    }
}
