/// Text ↔ token ids for one model's vocabulary.
///
///     let tokenizer = try SentencePieceTokenizer(gguf: file)
///     let ids = tokenizer.encode("Hello world!", addSpecial: true, parseSpecial: false)   // [2, 9259, 1902, 236888]
///     tokenizer.decode(Array(ids.dropFirst()), renderSpecial: false)                    // "Hello world!"
public protocol Tokenizer: Sendable {
    /// Number of token ids; valid ids are `0..<vocabularySize`.
    var vocabularySize: Int { get }
    /// Beginning-of-sequence token, if the vocabulary has one.
    var bos: Int? { get }
    /// End-of-sequence token, if the vocabulary has one.
    var eos: Int? { get }
    /// Whether `encode(_:addSpecial: true, …)` starts the ids with `bos` (GGUF `tokenizer.ggml.add_bos_token`).
    var addBOS: Bool { get }

    /// Token ids for `text`, as llama.cpp's `llama_tokenize` gives them.
    ///
    /// - `addSpecial`: add BOS (and EOS) as the model's metadata asks. BOS is never doubled: if the
    ///   text itself already begins with the BOS token, no second one is added (llama.cpp adds it
    ///   anyway and only logs a warning).
    /// - `parseSpecial`: text of control tokens (e.g. `<start_of_turn>`) inside `text` becomes that
    ///   single token. User-defined tokens (e.g. Gemma's runs of spaces or newlines) are always
    ///   split out first, as in llama.cpp.
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int]

    /// The bytes `token` contributes to output text: `▁` becomes a space, a byte token `<0xNN>` that
    /// byte, and a control token its text only if `renderSpecial`. Not always whole UTF-8 characters
    /// (see `StreamingDecoder`). An id outside the vocabulary gives no bytes.
    func bytes(of token: Int, renderSpecial: Bool) -> [UInt8]

    /// The text of a token sequence; invalid UTF-8 (say, a cut-off multi-byte character) becomes U+FFFD.
    func decode(_ tokens: [Int], renderSpecial: Bool) -> String

    /// Whether generation should stop at `token`: EOS, and end-of-turn tokens such as Gemma's `<end_of_turn>`.
    func isEndOfGeneration(_ token: Int) -> Bool
}
