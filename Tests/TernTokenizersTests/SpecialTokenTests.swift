import XCTest
import TernTokenizers

/// Cutting special tokens out of the text first, as llama.cpp's `tokenizer_st_partition`.
final class SpecialTokenTests: XCTestCase {
    typealias V = TinyVocabulary

    func testControlTokensAreParsedOnlyOnRequest() throws {
        let tokenizer = try V.tokenizer()
        XCTAssertEqual(tokenizer.encode("<ctl>a", addSpecial: false, parseSpecial: true), [V.ctl, V.a])
        // As text: < c t l > a, and no two neighbours form a token.
        XCTAssertEqual(tokenizer.encode("<ctl>a", addSpecial: false, parseSpecial: false),
                       [V.byte(0x3C), V.c, V.byte(0x74), V.byte(0x6C), V.byte(0x3E), V.a])
    }

    func testUserDefinedTokensAreAlwaysParsed() throws {
        let tokenizer = try V.tokenizer()
        // Longest first: "\n\n" then the "\n" left over.
        XCTAssertEqual(tokenizer.encode("a\n\n\nb", addSpecial: false, parseSpecial: false),
                       [V.a, V.twoNewlines, V.newline, V.b])
        XCTAssertEqual(tokenizer.encode("xyxy", addSpecial: false, parseSpecial: false), [V.xy, V.xy])
    }

    func testLongerSpecialTokenWinsOverAnEarlierShorterOne() throws {
        // llama.cpp cuts out all "yzw" (3 bytes) before any "xy" (2 bytes), so "xyzw" is x + yzw.
        let tokenizer = try V.tokenizer()
        XCTAssertEqual(tokenizer.encode("xyzw", addSpecial: false, parseSpecial: false), [V.byte(0x78), V.yzw])
    }

    func testSpecialTokenAtEveryPosition() throws {
        let tokenizer = try V.tokenizer()
        XCTAssertEqual(tokenizer.encode("<ctl>", addSpecial: false, parseSpecial: true), [V.ctl])
        XCTAssertEqual(tokenizer.encode("<ctl><ctl>a<ctl>", addSpecial: false, parseSpecial: true), [V.ctl, V.ctl, V.a, V.ctl])
        XCTAssertEqual(tokenizer.encode("\n", addSpecial: true, parseSpecial: false), [V.bos, V.newline])
    }

    func testBOSIsNotDoubled() throws {
        let tokenizer = try V.tokenizer()
        XCTAssertEqual(tokenizer.encode("<s>a", addSpecial: true, parseSpecial: true), [V.bos, V.a])
        XCTAssertEqual(tokenizer.encode("<s>", addSpecial: true, parseSpecial: true), [V.bos])
        // Not parsed, "<s>" is just text.
        XCTAssertEqual(tokenizer.encode("<s>a", addSpecial: true, parseSpecial: false),
                       [V.bos, V.byte(0x3C), V.byte(0x73), V.byte(0x3E), V.a])
        // Without addSpecial the text's own BOS stays, and a later one is kept too.
        XCTAssertEqual(tokenizer.encode("<s>a<s>", addSpecial: false, parseSpecial: true), [V.bos, V.a, V.bos])
    }

    func testUnknownTokenTextIsParsedOnRequest() throws {
        let tokenizer = try V.tokenizer()
        XCTAssertEqual(tokenizer.encode("<unk>", addSpecial: false, parseSpecial: true), [V.unknown])
    }
}
