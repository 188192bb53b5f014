import TernGGUF

/// The tokenizer a GGUF file's `tokenizer.ggml.*` metadata describes: SentencePiece for
/// `tokenizer.ggml.model` "llama", byte-level BPE for "gpt2".
///
///     let tokenizer = try loadTokenizer(GGUFFile(path: "qwen2.5-0.5b-instruct-q4_k_m.gguf"))
public func loadTokenizer(_ file: GGUFFile) throws -> any Tokenizer {
    let m = try TokenizerMetadata(file)  // read once: the token list is the large part
    switch m.model {
    case "llama": return try SentencePieceTokenizer(m)
    case "gpt2": return try BytePairTokenizer(m)
    default:
        throw TokenizerError("tokenizer.ggml.model is \"\(m.model)\" (in GGUF metadata), but Tern reads SentencePiece (\"llama\") and byte-level BPE (\"gpt2\") vocabularies")
    }
}

/// Reading `tokenizer.ggml.*` with llama.cpp's defaults, every failure a one-line error.
struct TokenizerMetadata {
    let metadata: [String: GGUFValue]
    let model: String
    let tokens: [String]

    init(_ file: GGUFFile) throws {
        metadata = file.metadata
        guard let model = metadata["tokenizer.ggml.model"] else {
            throw Self.fail("tokenizer.ggml.model is missing: the file has no vocabulary; convert the model with a tokenizer")
        }
        guard let name = model.string else { throw Self.fail("tokenizer.ggml.model is not a string") }
        self.model = name
        guard let tokenValue = metadata["tokenizer.ggml.tokens"] else {
            throw Self.fail("tokenizer.ggml.tokens is missing: the file has no vocabulary list")
        }
        guard let tokens = tokenValue.strings else { throw Self.fail("tokenizer.ggml.tokens is not an array of strings") }
        self.tokens = tokens
    }

    static func fail(_ message: String) -> TokenizerError { TokenizerError("\(message) (in GGUF metadata)") }

    /// `tokenizer.ggml.token_type`, every token normal if missing.
    func types() throws -> [Int] {
        guard let value = metadata["tokenizer.ggml.token_type"] else { return [Int](repeating: 1, count: tokens.count) }
        guard let ints = value.ints else { throw Self.fail("tokenizer.ggml.token_type is not an array of integers") }
        return ints
    }

    /// A special-token id; one outside the vocabulary falls back to `fallback`, as in llama.cpp.
    func id(_ key: String, default fallback: Int?) -> Int? {
        let inRange = { (id: Int?) in id.flatMap { (0..<tokens.count).contains($0) ? $0 : nil } }
        return inRange(metadata[key]?.int) ?? inRange(fallback)
    }

    func flag(_ key: String, default fallback: Bool) -> Bool { metadata[key]?.bool ?? fallback }

    var endOfGeneration: [Int] {
        [id("tokenizer.ggml.eot_token_id", default: nil), id("tokenizer.ggml.eom_token_id", default: nil)].compactMap { $0 }
    }
}

extension SentencePieceTokenizer {
    /// The SentencePiece tokenizer stored in a GGUF file's `tokenizer.ggml.*` metadata.
    ///
    /// Missing optional keys take llama.cpp's defaults for a "llama" vocabulary: scores 0, every
    /// token normal, bos 1, eos 2, unknown 0, add_bos_token true, add_eos_token false,
    /// add_space_prefix true. A special-token id outside the vocabulary falls back to that default,
    /// as in llama.cpp.
    ///
    ///     let tokenizer = try SentencePieceTokenizer(gguf: GGUFFile(path: "gemma-3-270m-q4_k_m.gguf"))
    ///     tokenizer.vocabularySize   // 262144
    public convenience init(gguf file: GGUFFile) throws {
        try self.init(TokenizerMetadata(file))
    }

    convenience init(_ m: TokenizerMetadata) throws {
        guard m.model == "llama" else {
            throw TokenizerMetadata.fail("tokenizer.ggml.model is \"\(m.model)\", but only SentencePiece (\"llama\") vocabularies are supported here")
        }
        var scores = [Float](repeating: 0, count: m.tokens.count)
        if let value = m.metadata["tokenizer.ggml.scores"] {
            guard let floats = value.floats else { throw TokenizerMetadata.fail("tokenizer.ggml.scores is not an array of numbers") }
            scores = floats
        }
        try self.init(
            tokens: m.tokens, scores: scores, types: try m.types(),
            bos: m.id("tokenizer.ggml.bos_token_id", default: 1),
            eos: m.id("tokenizer.ggml.eos_token_id", default: 2),
            unknown: m.id("tokenizer.ggml.unknown_token_id", default: 0),
            addBOS: m.flag("tokenizer.ggml.add_bos_token", default: true),
            addSpacePrefix: m.flag("tokenizer.ggml.add_space_prefix", default: true),
            addEOS: m.flag("tokenizer.ggml.add_eos_token", default: false),
            endOfGeneration: m.endOfGeneration)
    }
}

extension BytePairTokenizer {
    /// The byte-level BPE tokenizer stored in a GGUF file's `tokenizer.ggml.*` metadata: tokens,
    /// merges, and `tokenizer.ggml.pre` naming the pre-tokenizer.
    ///
    /// Defaults as llama.cpp's for a "gpt2" vocabulary: bos and eos 11, add_bos_token true for the
    /// Llama 3 pre-tokenizer (which also takes whole-token words without merging) and false
    /// otherwise, add_eos_token false; a missing `tokenizer.ggml.pre` means "default".
    public convenience init(gguf file: GGUFFile) throws {
        try self.init(TokenizerMetadata(file))
    }

    convenience init(_ m: TokenizerMetadata) throws {
        guard m.model == "gpt2" else {
            throw TokenizerMetadata.fail("tokenizer.ggml.model is \"\(m.model)\", but only byte-level BPE (\"gpt2\") vocabularies are supported here")
        }
        guard let value = m.metadata["tokenizer.ggml.merges"] else {
            throw TokenizerMetadata.fail("tokenizer.ggml.merges is missing: a BPE vocabulary needs its merges; re-convert the model")
        }
        guard let merges = value.strings else { throw TokenizerMetadata.fail("tokenizer.ggml.merges is not an array of strings") }
        let name = m.metadata["tokenizer.ggml.pre"]?.string ?? "default"
        guard let pre = PreTokenizer(name: name) else {
            throw TokenizerMetadata.fail("tokenizer.ggml.pre is \"\(name)\", a pre-tokenizer Tern does not implement yet (it has \(PreTokenizer.supported.joined(separator: ", ")))")
        }
        let llama3 = ["llama-bpe", "llama3", "falcon3"].contains(name)
        try self.init(
            tokens: m.tokens, merges: merges, types: try m.types(), preTokenizer: pre,
            bos: m.id("tokenizer.ggml.bos_token_id", default: 11),
            eos: m.id("tokenizer.ggml.eos_token_id", default: 11),
            addBOS: m.flag("tokenizer.ggml.add_bos_token", default: llama3),
            addEOS: m.flag("tokenizer.ggml.add_eos_token", default: false),
            ignoreMerges: llama3,
            endOfGeneration: m.endOfGeneration)
    }
}
