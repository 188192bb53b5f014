import Foundation
import XCTest
import TernTokenizers

/// The default model's tokenizer against Google's SentencePiece library run on the same vocabulary
/// (Fixtures/sentencepiece.jsonl, written by scripts/tokenizer_sentencepiece_reference.py): the
/// GPL-3 perplexity corpus and 250 random texts of mixed scripts, emoji, control characters,
/// whitespace runs and HTML tags.
final class SentencePieceReferenceTests: XCTestCase {
    struct Line: Decodable { let text: String?; let file: String?; let ids: [Int] }

    func testMatchesSentencePiece() throws {
        let tokenizer = try DefaultModel.tokenizer()
        let lines = try fixtureLines("sentencepiece.jsonl", as: Line.self)
        XCTAssertEqual(lines.count, 251)
        for line in lines {
            let text = try line.text ?? String(contentsOf: fixtureURL(line.file!), encoding: .utf8)
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
            XCTAssertEqual(ids, line.ids, String(reflecting: text.prefix(80)))
            XCTAssertEqual(tokenizer.decode(ids, renderSpecial: false), text)
        }
    }
}
