import TernGGUF

extension SentencePieceTokenizer {
    /// The tokenizer stored in a GGUF file's `tokenizer.ggml.*` metadata.
    ///
    /// Missing optional keys take llama.cpp's defaults for a "llama" vocabulary: scores 0, every
    /// token normal, bos 1, eos 2, unknown 0, add_bos_token true, add_eos_token false,
    /// add_space_prefix true. A special-token id outside the vocabulary falls back to that default,
    /// as in llama.cpp.
    ///
    ///     let tokenizer = try SentencePieceTokenizer(gguf: GGUFFile(path: "gemma-3-270m-q4_k_m.gguf"))
    ///     tokenizer.vocabularySize   // 262144
    public convenience init(gguf file: GGUFFile) throws {
        let metadata = file.metadata
        func fail(_ message: String) -> TokenizerError { TokenizerError("\(message) (in GGUF metadata)") }

        guard let model = metadata["tokenizer.ggml.model"] else {
            throw fail("tokenizer.ggml.model is missing: the file has no vocabulary; convert the model with a tokenizer")
        }
        guard model.string == "llama" else {
            let name = model.string.map { "\"\($0)\"" } ?? "not a string"
            throw fail("tokenizer.ggml.model is \(name), but only SentencePiece (\"llama\") vocabularies are supported")
        }
        guard let tokenValue = metadata["tokenizer.ggml.tokens"] else {
            throw fail("tokenizer.ggml.tokens is missing: the file has no vocabulary list")
        }
        guard let tokens = tokenValue.strings else { throw fail("tokenizer.ggml.tokens is not an array of strings") }

        var scores = [Float](repeating: 0, count: tokens.count)
        if let value = metadata["tokenizer.ggml.scores"] {
            guard let floats = value.floats else { throw fail("tokenizer.ggml.scores is not an array of numbers") }
            scores = floats
        }
        var types = [Int](repeating: 1, count: tokens.count)
        if let value = metadata["tokenizer.ggml.token_type"] {
            guard let ints = value.ints else { throw fail("tokenizer.ggml.token_type is not an array of integers") }
            types = ints
        }

        func id(_ key: String, default fallback: Int?) -> Int? {
            let inRange = { (id: Int?) in id.flatMap { (0..<tokens.count).contains($0) ? $0 : nil } }
            return inRange(metadata[key]?.int) ?? inRange(fallback)
        }
        func flag(_ key: String, default fallback: Bool) -> Bool { metadata[key]?.bool ?? fallback }

        try self.init(
            tokens: tokens, scores: scores, types: types,
            bos: id("tokenizer.ggml.bos_token_id", default: 1),
            eos: id("tokenizer.ggml.eos_token_id", default: 2),
            unknown: id("tokenizer.ggml.unknown_token_id", default: 0),
            addBOS: flag("tokenizer.ggml.add_bos_token", default: true),
            addSpacePrefix: flag("tokenizer.ggml.add_space_prefix", default: true),
            addEOS: flag("tokenizer.ggml.add_eos_token", default: false),
            endOfGeneration: [id("tokenizer.ggml.eot_token_id", default: nil),
                              id("tokenizer.ggml.eom_token_id", default: nil)].compactMap { $0 })
    }
}
