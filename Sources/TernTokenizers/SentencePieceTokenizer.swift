/// llama.cpp's SentencePiece ("SPM") tokenizer, for GGUF files whose `tokenizer.ggml.model` is
/// "llama" (Llama 1/2, Gemma, Mistral v1…). Ids match `llama_tokenize` token for token.
///
/// Encoding, as `llama_vocab::impl::tokenize` in llama.cpp's src/llama-vocab.cpp:
/// 1. special tokens are cut out of the text (`SpecialTokenSplitter`);
/// 2. each remaining fragment gets a leading space if `addSpacePrefix` and it follows a special
///    token or starts the text, then every space becomes `▁` (U+2581);
/// 3. each fragment is merged into tokens by score, with byte tokens as fallback (`SymbolMerger`);
/// 4. BOS goes in front if asked for (but never a second one), EOS at the end.
///
///     let tokenizer = try SentencePieceTokenizer(gguf: GGUFFile(path: path))
///     tokenizer.encode("<start_of_turn>user\nHi", addSpecial: true, parseSpecial: true)
///     // [2, 105, 2364, 107, 10979]
///     tokenizer.decode([105, 2364], renderSpecial: true)   // "<start_of_turn>user"
///
/// Immutable after `init`, so one instance can serve any number of threads.
public final class SentencePieceTokenizer: Tokenizer {
    public var vocabularySize: Int { table.vocabulary.count }
    public var bos: Int? { table.bos }
    public var eos: Int? { table.eos }
    /// The token for text the vocabulary cannot spell; used only if a byte has no `<0xNN>` token.
    public let unknown: Int?
    public var addBOS: Bool { table.addBOS }
    public var addEOS: Bool { table.addEOS }
    /// Whether text gets a leading space before merging (`tokenizer.ggml.add_space_prefix`;
    /// false for Gemma, true for Llama 2).
    public let addSpacePrefix: Bool

    let table: TokenTable
    let scores: [Float]
    /// (256): the token for each byte when a character is not in the vocabulary, or -1.
    let byteTokens: [Int]

    /// A tokenizer from a vocabulary's parts, as stored in GGUF `tokenizer.ggml.*`.
    ///
    /// - Parameters:
    ///   - tokens: token texts, with `▁` for space; unique.
    ///   - scores: merge priority per token (higher merges first).
    ///   - types: GGUF token type per token: 1 normal, 2 unknown, 3 control, 4 user-defined,
    ///     5 unused, 6 byte (`<0xNN>`).
    ///   - endOfGeneration: further ids that end generation (e.g. `tokenizer.ggml.eot_token_id`).
    ///
    ///       let t = try SentencePieceTokenizer(tokens: ["<unk>", "<s>", "</s>", "▁", "a"], scores: [0, 0, 0, -1, -2],
    ///                                          types: [2, 3, 3, 1, 1], bos: 1, eos: 2, unknown: 0,
    ///                                          addBOS: true, addSpacePrefix: false)
    ///       t.encode("a a", addSpecial: true, parseSpecial: false)   // [1, 4, 3, 4]
    public init(tokens: [String], scores: [Float], types: [Int], bos: Int?, eos: Int?, unknown: Int?,
                addBOS: Bool, addSpacePrefix: Bool, addEOS: Bool = false,
                endOfGeneration: [Int] = []) throws {
        guard scores.count == tokens.count else {
            throw TokenizerError(
                "the vocabulary has \(tokens.count) tokens but \(scores.count) scores; the arrays must have one entry per token")
        }
        let table = try TokenTable(tokens: tokens, types: types, bos: bos, eos: eos, unknown: unknown,
                                   addBOS: addBOS, addEOS: addEOS, endOfGeneration: endOfGeneration)
        // llama.cpp's byte_to_token: "<0xNN>" (upper-case hex), else the byte as a one-byte token.
        let hex = Array("0123456789ABCDEF".utf8)
        byteTokens = (0..<256).map { byte -> Int in
            let named = table.vocabulary.id(Array("<0x".utf8) + [hex[byte >> 4], hex[byte & 15], UInt8(ascii: ">")])
            if named >= 0 { return named }
            let raw = table.vocabulary.id([UInt8(byte)])
            return raw >= 0 ? raw : (unknown ?? -1)
        }
        self.table = table
        self.unknown = unknown
        self.addSpacePrefix = addSpacePrefix
        self.scores = scores
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        var merger = SymbolMerger()
        var escaped: [UInt8] = []
        let rule = ScoreRule(vocabulary: table.vocabulary, scores: scores)
        return table.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial) { text, afterSpecial, output in
            escaped.removeAll(keepingCapacity: true)
            if addSpacePrefix && afterSpecial { escaped.append(contentsOf: Self.spaceMark) }
            for byte in text {
                if byte == UInt8(ascii: " ") {
                    escaped.append(contentsOf: Self.spaceMark)
                } else {
                    escaped.append(byte)
                }
            }
            escaped.withUnsafeBufferPointer {
                merger.tokenize($0, rule: rule, vocabulary: table.vocabulary, byteTokens: byteTokens, into: &output)
            }
        }
    }

    /// As llama.cpp's `token_to_piece`: control and unknown tokens give their text only if
    /// `renderSpecial`; user-defined tokens always give their text as is; normal tokens give their
    /// text with `▁` as space; byte tokens their byte; unused and undefined tokens nothing.
    public func bytes(of token: Int, renderSpecial: Bool) -> [UInt8] {
        if let special = table.specialBytes(of: token, renderSpecial: renderSpecial) { return special }
        let text = table.vocabulary.text(token)
        return table.attributes[token].contains(.normal) ? Self.unescapingSpaces(text) : [Self.byteValue(text)]
    }

    /// As llama.cpp's `llama_detokenize` without removing special tokens: the pieces of all tokens
    /// joined, and if `addSpacePrefix`, the first piece's leading space dropped.
    public func decode(_ tokens: [Int], renderSpecial: Bool) -> String {
        var bytes: [UInt8] = []
        for (i, token) in tokens.enumerated() {
            let piece = self.bytes(of: token, renderSpecial: renderSpecial)
            if i == 0 && addSpacePrefix && piece.first == UInt8(ascii: " ") {
                bytes.append(contentsOf: piece.dropFirst())
            } else {
                bytes.append(contentsOf: piece)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func isEndOfGeneration(_ token: Int) -> Bool {
        table.endOfGeneration.contains(token)
    }

    /// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's stand-in for a space.
    static let spaceMark: [UInt8] = [0xE2, 0x96, 0x81]

    private static func unescapingSpaces(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == 0xE2, i + 2 < text.endIndex, text[i + 1] == 0x96, text[i + 2] == 0x81 {
                result.append(UInt8(ascii: " "))
                i += 3
            } else {
                result.append(text[i])
                i += 1
            }
        }
        return result
    }

    /// The byte of a byte token: the hex digits after "<0x" (at most two), as llama.cpp's
    /// `token_to_byte` reads them with `strtol`.
    private static func byteValue(_ text: ArraySlice<UInt8>) -> UInt8 {
        var value: UInt8 = 0
        for c in text.dropFirst(3).prefix(2) {
            guard let digit = hexDigits.firstIndex(of: c | 0x20) else { break }  // | 0x20: lower case
            value = value << 4 | UInt8(digit)
        }
        return value
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
