import XCTest
import TernTokenizers

/// The merge loop on `TinyVocabulary`; every expected list is worked out by hand in the comment.
final class SentencePieceMergeTests: XCTestCase {
    typealias V = TinyVocabulary

    func encode(_ text: String, _ tokenizer: SentencePieceTokenizer? = nil) throws -> [Int] {
        try (tokenizer ?? V.tokenizer()).encode(text, addSpecial: false, parseSpecial: false)
    }

    func testHigherScoreMergesFirst() throws {
        // pairs ab (-5) and bc (-3): bc wins; then "abc" is no token.
        XCTAssertEqual(try encode("abc"), [V.a, V.bc])
    }

    func testEqualScoresMergeLeftmostFirst() throws {
        // aa at 0 and aa at 1, both -4: the left one merges; "aaa" is no token.
        XCTAssertEqual(try encode("aaa"), [V.aa, V.a])
        // ab at 0 and at 2 both merge; "abab" is no token.
        XCTAssertEqual(try encode("abab"), [V.ab, V.ab])
    }

    func testMergedSymbolMergesAgain() throws {
        // "▁ab": ▁a is no token, ab merges, then ▁ + ab = ▁ab (-2) merges.
        XCTAssertEqual(try encode(" ab"), [V.spaceAB])
    }

    func testSpacesBecomeLowerBlock() throws {
        // "a▁b": neither a▁ nor ▁b is a token.
        XCTAssertEqual(try encode("a b"), [V.a, V.space, V.b])
    }

    func testCharactersOutsideTheVocabularyFallBackToBytes() throws {
        XCTAssertEqual(try encode("x"), [V.byte(0x78)])
        XCTAssertEqual(try encode("é"), [V.byte(0xC3), V.byte(0xA9)])  // U+00E9 is C3 A9 in UTF-8
        XCTAssertEqual(try encode("a🦜"), [V.a, V.byte(0xF0), V.byte(0x9F), V.byte(0xA6), V.byte(0x9C)])
    }

    func testEmptyText() throws {
        let tokenizer = try V.tokenizer()
        XCTAssertEqual(tokenizer.encode("", addSpecial: false, parseSpecial: true), [])
        XCTAssertEqual(tokenizer.encode("", addSpecial: true, parseSpecial: true), [V.bos])
    }

    func testAddSpacePrefix() throws {
        let tokenizer = try V.tokenizer(addSpacePrefix: true)
        // "ab" → "▁ab"; after every special token the next text gets its own leading space.
        XCTAssertEqual(try encode("ab", tokenizer), [V.spaceAB])
        XCTAssertEqual(tokenizer.encode("ab<ctl>ab", addSpecial: false, parseSpecial: true), [V.spaceAB, V.ctl, V.spaceAB])
        XCTAssertEqual(try encode("ab\nab", tokenizer), [V.spaceAB, V.newline, V.spaceAB])
        // The prefix is not added to the text of a special token.
        XCTAssertEqual(tokenizer.encode("<ctl>", addSpecial: false, parseSpecial: true), [V.ctl])
    }

    func testAddEOS() throws {
        let tokenizer = try V.tokenizer(addEOS: true)
        XCTAssertEqual(tokenizer.encode("a", addSpecial: true, parseSpecial: false), [V.bos, V.a, V.eos])
        XCTAssertEqual(tokenizer.encode("a", addSpecial: false, parseSpecial: false), [V.a])
    }

    func testDocumentationExample() throws {
        // From SentencePieceTokenizer.init's documentation: "a▁a", where neither a▁ nor ▁a is a token.
        let t = try SentencePieceTokenizer(tokens: ["<unk>", "<s>", "</s>", "▁", "a"], scores: [0, 0, 0, -1, -2],
                                           types: [2, 3, 3, 1, 1], bos: 1, eos: 2, unknown: 0,
                                           addBOS: true, addSpacePrefix: false)
        XCTAssertEqual(t.encode("a a", addSpecial: true, parseSpecial: false), [1, 4, 3, 4])
    }
}
