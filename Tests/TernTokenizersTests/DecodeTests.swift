import XCTest
import TernTokenizers

final class DecodeTests: XCTestCase {
    typealias V = TinyVocabulary

    func testPieces() throws {
        let tokenizer = try V.tokenizer()
        XCTAssertEqual(tokenizer.bytes(of: V.spaceAB, renderSpecial: false), Array(" ab".utf8))
        XCTAssertEqual(tokenizer.bytes(of: V.byte(0xC3), renderSpecial: false), [0xC3])
        XCTAssertEqual(tokenizer.bytes(of: V.ctl, renderSpecial: false), [])
        XCTAssertEqual(tokenizer.bytes(of: V.ctl, renderSpecial: true), Array("<ctl>".utf8))
        XCTAssertEqual(tokenizer.bytes(of: V.unknown, renderSpecial: false), [])
        XCTAssertEqual(tokenizer.bytes(of: V.unknown, renderSpecial: true), Array("<unk>".utf8))
        // User-defined tokens always render, as they are (no ▁ unescaping).
        XCTAssertEqual(tokenizer.bytes(of: V.newline, renderSpecial: false), [0x0A])
        XCTAssertEqual(tokenizer.bytes(of: V.unused, renderSpecial: true), [])
        XCTAssertEqual(tokenizer.bytes(of: -1, renderSpecial: true), [])
        XCTAssertEqual(tokenizer.bytes(of: tokenizer.vocabularySize, renderSpecial: true), [])
    }

    func testDecode() throws {
        let tokenizer = try V.tokenizer()
        let ids = [V.spaceAB, V.byte(0xC3), V.byte(0xA9), V.ctl, V.newline]
        XCTAssertEqual(tokenizer.decode(ids, renderSpecial: false), " abé\n")
        XCTAssertEqual(tokenizer.decode(ids, renderSpecial: true), " abé<ctl>\n")
        XCTAssertEqual(tokenizer.decode([V.byte(0xC3)], renderSpecial: false), "\u{FFFD}")
        XCTAssertEqual(tokenizer.decode([], renderSpecial: false), "")
    }

    func testDecodeDropsThePrefixSpaceOfTheFirstToken() throws {
        let tokenizer = try V.tokenizer(addSpacePrefix: true)
        let ids = tokenizer.encode("ab ab", addSpecial: false, parseSpecial: false)
        XCTAssertEqual(ids, [V.spaceAB, V.spaceAB])
        XCTAssertEqual(tokenizer.decode(ids, renderSpecial: false), "ab ab")
    }

    func testEndOfGeneration() throws {
        let tokenizer = try V.tokenizer()
        XCTAssertTrue(tokenizer.isEndOfGeneration(V.eos))
        XCTAssertTrue(tokenizer.isEndOfGeneration(V.endOfTurn))  // by its text, as llama.cpp
        XCTAssertFalse(tokenizer.isEndOfGeneration(V.ctl))
        XCTAssertFalse(tokenizer.isEndOfGeneration(V.a))
        XCTAssertFalse(tokenizer.isEndOfGeneration(-1))
    }

    func testStreamingDecoderHoldsBackPartialCharacters() throws {
        var decoder = StreamingDecoder(tokenizer: try V.tokenizer(), renderSpecial: false)
        XCTAssertEqual(decoder.push(V.a), "a")
        XCTAssertEqual(decoder.push(V.byte(0xC3)), "")
        XCTAssertEqual(decoder.push(V.byte(0xA9)), "é")
        // 🦜 is F0 9F A6 9C.
        XCTAssertEqual(decoder.push(V.byte(0xF0)), "")
        XCTAssertEqual(decoder.push(V.byte(0x9F)), "")
        XCTAssertEqual(decoder.push(V.byte(0xA6)), "")
        XCTAssertEqual(decoder.push(V.byte(0x9C)), "🦜")
        XCTAssertEqual(decoder.push(V.ctl), "")
        XCTAssertEqual(decoder.push(V.spaceAB), " ab")
        XCTAssertEqual(decoder.flush(), "")
    }

    func testStreamingDecoderFlushesAnUnfinishedCharacter() throws {
        var decoder = StreamingDecoder(tokenizer: try V.tokenizer(), renderSpecial: true)
        XCTAssertEqual(decoder.push(V.byte(0xE2)), "")
        XCTAssertEqual(decoder.push(V.byte(0x96)), "")
        XCTAssertEqual(decoder.flush(), "\u{FFFD}")
        XCTAssertEqual(decoder.flush(), "")
        XCTAssertEqual(decoder.push(V.ctl), "<ctl>")
    }

    func testStreamingDecoderDoesNotHoldBackInvalidBytes() throws {
        var decoder = StreamingDecoder(tokenizer: try V.tokenizer(), renderSpecial: false)
        // A lone continuation byte can never be completed.
        XCTAssertEqual(decoder.push(V.byte(0x80)), "\u{FFFD}")
        // A started sequence interrupted by ASCII is emitted as soon as the ASCII arrives.
        XCTAssertEqual(decoder.push(V.byte(0xC3)), "")
        XCTAssertEqual(decoder.push(V.a), "\u{FFFD}a")
    }

    func testCompletePrefix() {
        XCTAssertEqual(StreamingDecoder.completePrefix([]), 0)
        XCTAssertEqual(StreamingDecoder.completePrefix([0x61]), 1)
        XCTAssertEqual(StreamingDecoder.completePrefix([0x61, 0xF0, 0x9F, 0xA6]), 1)
        XCTAssertEqual(StreamingDecoder.completePrefix([0x61, 0xF0, 0x9F, 0xA6, 0x9C]), 5)
        XCTAssertEqual(StreamingDecoder.completePrefix([0xE2, 0x96]), 0)
        XCTAssertEqual(StreamingDecoder.completePrefix([0x80, 0x80, 0x80, 0x80, 0x80]), 5)
    }
}
