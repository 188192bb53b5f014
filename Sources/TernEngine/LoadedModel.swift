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
    public let tokenizer: SentencePieceTokenizer

    public init(path: String, threads: Int) throws {
        self.path = path
        file = try GGUFFile(path: path)
        model = try ModelRegistry.load(file, threads: threads)
        tokenizer = try SentencePieceTokenizer(gguf: file)
    }
}
