/// llama.cpp's byte-level BPE tokenizer, for GGUF files whose `tokenizer.ggml.model` is "gpt2"
/// (GPT-2, Llama 3, Qwen, SmolLM, DeepSeek, Mistral Nemo…). Ids match `llama_tokenize` token for token.
///
/// Encoding, as `llm_tokenizer_bpe_session` in llama.cpp's src/llama-vocab.cpp:
/// 1. special tokens are cut out of the text (`SpecialTokenSplitter`);
/// 2. each remaining fragment is cut into words by the vocabulary's `PreTokenizer`;
/// 3. each word's bytes are written as GPT-2's printable stand-ins (`ByteLevel`), and the word is
///    merged pair by pair in the order of `tokenizer.ggml.merges` (the earliest listed merge
///    first, then the leftmost); with `ignoreMerges` (Llama 3) a word that is itself a token is
///    taken whole;
/// 4. BOS goes in front if asked for (but never a second one), EOS at the end.
///
/// Immutable after `init`, so one instance can serve any number of threads.
public final class BytePairTokenizer: Tokenizer {
    public var vocabularySize: Int { table.vocabulary.count }
    public var bos: Int? { table.bos }
    public var eos: Int? { table.eos }
    public var addBOS: Bool { table.addBOS }
    public var addEOS: Bool { table.addEOS }
    public let preTokenizer: PreTokenizer
    /// Whether a word that is a token is taken whole without merging (llama.cpp: Llama 3's "llama-bpe").
    public let ignoreMerges: Bool

    let table: TokenTable
    let rule: RankRule
    /// (256): the token whose text is a byte's stand-in character, or -1.
    let byteTokens: [Int]

    /// - Parameters:
    ///   - tokens: token texts in GPT-2's byte-level spelling (a space is `Ġ`); unique.
    ///   - merges: "left right" pairs, earliest first.
    ///   - types: GGUF token type per token (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
    ///
    ///       let t = try BytePairTokenizer(tokens: ["a", "b", "ab", "Ġ"], merges: ["a b"], types: [1, 1, 1, 1],
    ///                                     preTokenizer: PreTokenizer(name: "gpt-2")!, bos: nil, eos: nil,
    ///                                     addBOS: false)
    ///       t.encode("ab a", addSpecial: false, parseSpecial: false)   // [2, 3, 0]
    public init(tokens: [String], merges: [String], types: [Int], preTokenizer: PreTokenizer, bos: Int?, eos: Int?,
                addBOS: Bool, addEOS: Bool = false, ignoreMerges: Bool = false, endOfGeneration: [Int] = []) throws {
        let table = try TokenTable(tokens: tokens, types: types, bos: bos, eos: eos, unknown: nil, addBOS: addBOS,
                                   addEOS: addEOS, endOfGeneration: endOfGeneration)
        // As llama.cpp: a merge is split at the first space after its first character. A merge of
        // texts that are not both tokens can never apply to symbols that are, so it is dropped.
        var ranks: [UInt64: Int32] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let utf8 = Array(merge.utf8)
            guard utf8.count > 1, let space = utf8[1...].firstIndex(of: UInt8(ascii: " ")) else {
                throw TokenizerError("merge \(rank) \(String(reflecting: merge)) is not two tokens separated by a space")
            }
            let left = table.vocabulary.id(Array(utf8[..<space])), right = table.vocabulary.id(Array(utf8[(space + 1)...]))
            guard left >= 0, right >= 0 else { continue }
            let key = UInt64(left) << 32 | UInt64(right)
            if ranks[key] == nil { ranks[key] = Int32(rank) }
        }
        self.table = table
        self.rule = RankRule(vocabulary: table.vocabulary, ranks: ranks)
        self.byteTokens = (0..<256).map { table.vocabulary.id(ByteLevel.encoded[$0]) }
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        var merger = SymbolMerger()
        var word: [UInt8] = []
        return table.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial) { text, _, output in
            let scalars = Array(String(decoding: text, as: UTF8.self).unicodeScalars)
            for piece in preTokenizer.pieces(scalars) {
                word.removeAll(keepingCapacity: true)
                for s in scalars[piece] { UTF8.encode(s) { word.append(contentsOf: ByteLevel.encoded[Int($0)]) } }
                if ignoreMerges {
                    let id = table.vocabulary.id(word)
                    if id >= 0 { output.append(id); continue }
                }
                word.withUnsafeBufferPointer {
                    merger.tokenize($0, rule: rule, vocabulary: table.vocabulary, byteTokens: byteTokens, into: &output)
                }
            }
        }
    }

    /// As llama.cpp's `token_to_piece`: special tokens as `TokenTable.specialBytes`; a normal token's
    /// stand-in characters turned back into bytes (a character that stands for no byte is kept as
    /// its UTF-8).
    public func bytes(of token: Int, renderSpecial: Bool) -> [UInt8] {
        if let special = table.specialBytes(of: token, renderSpecial: renderSpecial) { return special }
        return ByteLevel.decode(table.vocabulary.text(token))
    }

    /// The pieces of all tokens joined.
    public func decode(_ tokens: [Int], renderSpecial: Bool) -> String {
        String(decoding: tokens.flatMap { bytes(of: $0, renderSpecial: renderSpecial) }, as: UTF8.self)
    }

    public func isEndOfGeneration(_ token: Int) -> Bool {
        table.endOfGeneration.contains(token)
    }
}

/// GPT-2's byte-level alphabet: every byte is written as a printable character, so a vocabulary of
/// strings can hold any byte sequence. The printable bytes `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for
/// themselves; the other 68 (controls, space, DEL, NBSP, soft hyphen) take U+0100 onwards in byte
/// order, so a space is `Ġ` (U+0120) and a newline `Ċ` (U+010A).
enum ByteLevel {
    /// The character standing for each byte (by value), as UTF-8.
    static let encoded: [[UInt8]] = {
        var next: UInt32 = 256
        return (0..<256).map { byte in
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            let scalar = printable ? UInt32(byte) : { defer { next += 1 }; return next }()
            return Array(String(Unicode.Scalar(scalar)!).utf8)
        }
    }()

    /// Character (scalar value) → byte.
    static let decoded: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for byte in 0..<256 {
            let scalar = String(decoding: encoded[byte], as: UTF8.self).unicodeScalars.first!
            map[scalar.value] = UInt8(byte)
        }
        return map
    }()

    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        for s in String(decoding: text, as: UTF8.self).unicodeScalars {
            if let byte = decoded[s.value] { bytes.append(byte) } else { bytes.append(contentsOf: String(s).utf8) }
        }
        return bytes
    }
}
