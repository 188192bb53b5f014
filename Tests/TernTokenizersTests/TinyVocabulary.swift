import TernTokenizers

/// A hand-made vocabulary small enough to work every expected tokenization out on paper.
///
/// Ids 0–9 are special or odd tokens, 10–17 normal tokens with the scores below, and 18 + b is
/// the byte token `<0xNN>` for byte b.
enum TinyVocabulary {
    static let entries: [(text: String, score: Float, type: Int)] = [
        ("<unk>", 0, 2),  // 0
        ("<s>", 0, 3),  // 1  bos
        ("</s>", 0, 3),  // 2  eos
        ("<ctl>", 0, 3),  // 3
        ("<end_of_turn>", 0, 3),  // 4
        ("\n", 0, 4),  // 5
        ("\n\n", 0, 4),  // 6
        ("xy", 0, 4),  // 7
        ("yzw", 0, 4),  // 8
        ("[UNUSED]", 0, 5),  // 9
        ("▁", -1, 1),  // 10
        ("a", -1, 1),  // 11
        ("b", -1, 1),  // 12
        ("c", -1, 1),  // 13
        ("ab", -5, 1),  // 14
        ("bc", -3, 1),  // 15
        ("aa", -4, 1),  // 16
        ("▁ab", -2, 1),  // 17
    ] + (0..<256).map { (text: "<0x" + hex($0) + ">", score: Float(0), type: 6) }

    static let unknown = 0, bos = 1, eos = 2, ctl = 3, endOfTurn = 4, newline = 5, twoNewlines = 6
    static let xy = 7, yzw = 8, unused = 9
    static let space = 10, a = 11, b = 12, c = 13, ab = 14, bc = 15, aa = 16, spaceAB = 17
    static func byte(_ value: UInt8) -> Int { 18 + Int(value) }

    static func tokenizer(addSpacePrefix: Bool = false, addEOS: Bool = false) throws -> SentencePieceTokenizer {
        try SentencePieceTokenizer(
            tokens: entries.map(\.text), scores: entries.map(\.score), types: entries.map(\.type),
            bos: bos, eos: eos, unknown: unknown, addBOS: true, addSpacePrefix: addSpacePrefix, addEOS: addEOS)
    }

    private static func hex(_ value: Int) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[value >> 4], digits[value & 15]])
    }
}
