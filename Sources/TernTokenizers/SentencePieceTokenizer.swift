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
    public let vocabularySize: Int
    public let bos: Int?
    public let eos: Int?
    /// The token for text the vocabulary cannot spell; used only if a byte has no `<0xNN>` token.
    public let unknown: Int?
    public let addBOS: Bool
    public let addEOS: Bool
    /// Whether text gets a leading space before merging (`tokenizer.ggml.add_space_prefix`;
    /// false for Gemma, true for Llama 2).
    public let addSpacePrefix: Bool

    let vocabulary: Vocabulary
    let scores: [Float]
    let attributes: [TokenAttributes]
    /// (256): the token for each byte when a character is not in the vocabulary, or -1.
    let byteTokens: [Int]
    let endOfGeneration: Set<Int>
    let specials: SpecialTokenSplitter

    /// Token texts that end generation, from the list llama.cpp matches by text when it builds
    /// `special_eog_ids` (llama_vocab::impl::load). Like llama.cpp, these tokens are then treated
    /// as control tokens even when the file says otherwise: for Gemma 3 that makes the
    /// user-defined `</s>` (id 212) an end-of-generation token that renders only on request.
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]

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
        guard !tokens.isEmpty else { throw TokenizerError("the vocabulary has no tokens") }
        guard scores.count == tokens.count, types.count == tokens.count else {
            throw TokenizerError(
                "the vocabulary has \(tokens.count) tokens but \(scores.count) scores and \(types.count) token types; the arrays must have one entry per token")
        }
        for (name, id) in [("bos", bos), ("eos", eos), ("unknown", unknown)] + endOfGeneration.map({ ("end-of-generation", $0) }) {
            if let id, !(0..<tokens.count).contains(id) {
                throw TokenizerError("\(name) token id \(id) is outside the vocabulary of \(tokens.count) tokens")
            }
        }
        if addBOS && bos == nil { throw TokenizerError("add_bos_token is true but there is no bos token id") }
        if addEOS && eos == nil { throw TokenizerError("add_eos_token is true but there is no eos token id") }

        let vocabulary = try Vocabulary(tokens)
        var attributes = types.map(TokenAttributes.init(tokenType:))
        var endOfGenerationIDs = Set(endOfGeneration)
        if let eos { endOfGenerationIDs.insert(eos) }
        for text in Self.endOfGenerationTexts {
            let id = vocabulary.id(Array(text.utf8))
            guard id >= 0 else { continue }
            endOfGenerationIDs.insert(id)
            attributes[id].insert(.control)
        }

        // llama.cpp's byte_to_token: "<0xNN>" (upper-case hex), else the byte as a one-byte token.
        let hex = Array("0123456789ABCDEF".utf8)
        let byteTokens = (0..<256).map { byte -> Int in
            let named = vocabulary.id(Array("<0x".utf8) + [hex[byte >> 4], hex[byte & 15], UInt8(ascii: ">")])
            if named >= 0 { return named }
            let raw = vocabulary.id([UInt8(byte)])
            return raw >= 0 ? raw : (unknown ?? -1)
        }

        self.vocabularySize = tokens.count
        self.bos = bos
        self.eos = eos
        self.unknown = unknown
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
        self.vocabulary = vocabulary
        self.scores = scores
        self.attributes = attributes
        self.byteTokens = byteTokens
        self.endOfGeneration = endOfGenerationIDs
        self.specials = SpecialTokenSplitter(vocabulary: vocabulary, attributes: attributes)
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let utf8 = Array(text.utf8)
        var output: [Int] = []
        output.reserveCapacity(utf8.count / 2 + 2)
        let bosToAdd = addSpecial && addBOS ? bos : nil
        if let bosToAdd { output.append(bosToAdd) }

        utf8.withUnsafeBufferPointer { text in
            var merger = SymbolMerger()
            var escaped: [UInt8] = []
            var previousIsSpecial = true
            for fragment in specials.split(text, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    previousIsSpecial = true
                case .text(let range):
                    escaped.removeAll(keepingCapacity: true)
                    if addSpacePrefix && previousIsSpecial { escaped.append(contentsOf: Self.spaceMark) }
                    for byte in text[range] {
                        if byte == UInt8(ascii: " ") {
                            escaped.append(contentsOf: Self.spaceMark)
                        } else {
                            escaped.append(byte)
                        }
                    }
                    escaped.withUnsafeBufferPointer {
                        merger.tokenize($0, vocabulary: vocabulary, scores: scores, byteTokens: byteTokens, into: &output)
                    }
                    previousIsSpecial = false
                }
            }
        }

        // llama.cpp would keep both BOS tokens here (it only warns); a doubled BOS is never wanted.
        if let bosToAdd, output.count >= 2, output[1] == bosToAdd { output.remove(at: 1) }
        if addSpecial && addEOS, let eos { output.append(eos) }
        return output
    }

    /// As llama.cpp's `token_to_piece`: control and unknown tokens give their text only if
    /// `renderSpecial`; user-defined tokens always give their text as is; normal tokens give their
    /// text with `▁` as space; byte tokens their byte; unused and undefined tokens nothing.
    public func bytes(of token: Int, renderSpecial: Bool) -> [UInt8] {
        guard (0..<vocabularySize).contains(token) else { return [] }
        let attributes = attributes[token]
        if !attributes.isDisjoint(with: .onRequest) && !renderSpecial { return [] }
        let text = vocabulary.text(token)
        if !attributes.isDisjoint(with: .special) { return Array(text) }
        if attributes.contains(.normal) { return Self.unescapingSpaces(text) }
        if attributes.contains(.byte) { return [Self.byteValue(text)] }
        return []
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
        endOfGeneration.contains(token)
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
