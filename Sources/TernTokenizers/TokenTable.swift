/// What every GGUF vocabulary has, whatever splits its plain text into tokens: the token texts and
/// their kinds, the special tokens cut out of the text first, BOS/EOS as the file asks, and the
/// tokens that end generation. `SentencePieceTokenizer` and `BytePairTokenizer` each add only
/// their merge rules and how a normal token's text reads.
struct TokenTable: Sendable {
    let vocabulary: Vocabulary
    let attributes: [TokenAttributes]
    let bos: Int?
    let eos: Int?
    let addBOS: Bool
    let addEOS: Bool
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

    /// - Parameters:
    ///   - types: GGUF token type per token (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
    ///   - unknown: checked to be in range (the caller keeps it).
    ///   - endOfGeneration: further ids that end generation (e.g. `tokenizer.ggml.eot_token_id`).
    init(tokens: [String], types: [Int], bos: Int?, eos: Int?, unknown: Int?, addBOS: Bool, addEOS: Bool,
         endOfGeneration: [Int]) throws {
        guard !tokens.isEmpty else { throw TokenizerError("the vocabulary has no tokens") }
        guard types.count == tokens.count else {
            throw TokenizerError("the vocabulary has \(tokens.count) tokens but \(types.count) token types; the arrays must have one entry per token")
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
        self.vocabulary = vocabulary
        self.attributes = attributes
        self.bos = bos
        self.eos = eos
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.endOfGeneration = endOfGenerationIDs
        self.specials = SpecialTokenSplitter(vocabulary: vocabulary, attributes: attributes)
    }

    /// As llama.cpp's `llama_tokenize`: BOS if asked for, the special tokens cut out, each stretch of
    /// plain text given to `plain` (with whether a special token or the start came just before it),
    /// EOS if asked for. BOS is never doubled: if the text itself begins with the BOS token, no
    /// second one is added (llama.cpp adds it anyway and only logs a warning).
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool,
                plain: (UnsafeBufferPointer<UInt8>, _ afterSpecial: Bool, inout [Int]) -> Void) -> [Int] {
        let utf8 = Array(text.utf8)
        var output: [Int] = []
        output.reserveCapacity(utf8.count / 2 + 2)
        let bosToAdd = addSpecial && addBOS ? bos : nil
        if let bosToAdd { output.append(bosToAdd) }
        utf8.withUnsafeBufferPointer { text in
            var afterSpecial = true
            for fragment in specials.split(text, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    afterSpecial = true
                case .text(let range):
                    plain(UnsafeBufferPointer(rebasing: text[range]), afterSpecial, &output)
                    afterSpecial = false
                }
            }
        }
        if let bosToAdd, output.count >= 2, output[1] == bosToAdd { output.remove(at: 1) }
        if addSpecial && addEOS, let eos { output.append(eos) }
        return output
    }

    /// The bytes of a token that is not normal text, as llama.cpp's `token_to_piece`: control and
    /// unknown tokens give their text only if `renderSpecial`, user-defined tokens always give it;
    /// nil for normal and byte tokens (the tokenizer reads those), and for an id outside the vocabulary
    /// or an unused or undefined token, no bytes.
    func specialBytes(of token: Int, renderSpecial: Bool) -> [UInt8]? {
        guard (0..<vocabulary.count).contains(token) else { return [] }
        let attributes = attributes[token]
        if !attributes.isDisjoint(with: .onRequest) { return renderSpecial ? Array(vocabulary.text(token)) : [] }
        if attributes.contains(.userDefined) { return Array(vocabulary.text(token)) }
        if attributes.contains(.normal) || attributes.contains(.byte) { return nil }
        return []
    }
}
