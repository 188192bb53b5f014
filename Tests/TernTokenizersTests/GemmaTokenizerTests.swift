import Foundation
import TernGGUF
import XCTest
import TernTokenizers

/// The default model's tokenizer against llama.cpp's answers (Fixtures/ copied from
/// ../shared/reference/gemma3-270m-q4_k_m/, recorded with llama.cpp build 0c1e570).
final class GemmaTokenizerTests: XCTestCase {
    struct Tokenized: Decodable { let text: String; let ids: [Int] }
    struct Greedy: Decodable { let prompt: String; let prompt_ids: [Int]; let ids: [Int]; let text: String }

    func testMatchesLlamaCppOnEveryReferenceText() throws {
        let tokenizer = try DefaultModel.tokenizer()
        let cases = try fixtureLines("tokenizer.jsonl", as: Tokenized.self)
        XCTAssertEqual(cases.count, 26)
        for c in cases {
            XCTAssertEqual(tokenizer.encode(c.text, addSpecial: true, parseSpecial: true), c.ids, String(reflecting: c.text))
            XCTAssertEqual(tokenizer.decode(Array(c.ids.dropFirst()), renderSpecial: true), c.text)
        }
    }

    func testGreedyPromptsAndGeneratedText() throws {
        let tokenizer = try DefaultModel.tokenizer()
        let cases = try fixtureLines("greedy.jsonl", as: Greedy.self)
        XCTAssertFalse(cases.isEmpty)
        for c in cases {
            XCTAssertEqual(tokenizer.encode(c.prompt, addSpecial: true, parseSpecial: true), c.prompt_ids, c.prompt)
            XCTAssertEqual(tokenizer.decode(c.ids, renderSpecial: false), c.text, c.prompt)
            var decoder = StreamingDecoder(tokenizer: tokenizer, renderSpecial: false)
            XCTAssertEqual(c.ids.map { decoder.push($0) }.joined() + decoder.flush(), c.text, c.prompt)
        }
    }

    func testSpecialTokens() throws {
        let tokenizer = try DefaultModel.tokenizer()
        XCTAssertEqual(tokenizer.vocabularySize, 262_144)
        XCTAssertEqual(tokenizer.bos, 2)
        XCTAssertEqual(tokenizer.eos, 1)
        XCTAssertTrue(tokenizer.addBOS)
        XCTAssertFalse(tokenizer.addSpacePrefix)
        // <eos>, <end_of_turn>, and </s> (user-defined, but on llama.cpp's end-of-generation list).
        for id in [1, 106, 212] { XCTAssertTrue(tokenizer.isEndOfGeneration(id), "\(id)") }
        for id in [0, 2, 3, 105, 107] { XCTAssertFalse(tokenizer.isEndOfGeneration(id), "\(id)") }
        XCTAssertEqual(tokenizer.encode("<bos>Hi", addSpecial: true, parseSpecial: true), [2, 10979])
        XCTAssertEqual(tokenizer.decode([105, 106], renderSpecial: false), "")
        XCTAssertEqual(tokenizer.decode([105, 106], renderSpecial: true), "<start_of_turn><end_of_turn>")
        // Runs of newlines and spaces are user-defined tokens, split out even without parseSpecial.
        XCTAssertEqual(tokenizer.encode("\n\n\n", addSpecial: false, parseSpecial: false), [109])
        XCTAssertEqual(tokenizer.encode("<start_of_turn>", addSpecial: false, parseSpecial: true), [105])
        XCTAssertNotEqual(tokenizer.encode("<start_of_turn>", addSpecial: false, parseSpecial: false), [105])
    }

    /// llama.cpp's perplexity run on GPL-3.txt (perplexity.json) tokenizes with BOS and reports 14
    /// chunks of 512 tokens, i.e. floor(count / 512) = 14, so 7168 <= count < 7680.
    func testGPLTextLengthAgreesWithLlamaCppPerplexityChunksAndIsFast() throws {
        let text = try String(contentsOf: fixtureURL("GPL-3.txt"), encoding: .utf8)
        let file = try GGUFFile(path: DefaultModel.path())

        var start = Date()
        let tokenizer = try SentencePieceTokenizer(gguf: file)
        let buildSeconds = Date().timeIntervalSince(start)

        start = Date()
        let ids = tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let encodeSeconds = Date().timeIntervalSince(start)
        print(String(format: "Gemma 3 tokenizer: built in %.1f ms; GPL-3.txt (%d bytes) → %d tokens in %.1f ms",
                     buildSeconds * 1000, text.utf8.count, ids.count, encodeSeconds * 1000))

        XCTAssertEqual(ids.count / 512, 14, "\(ids.count) tokens")
        XCTAssertEqual(tokenizer.decode(Array(ids.dropFirst()), renderSpecial: false), text)
        // Measured well under 0.1 s each on a 2-core machine; the bounds leave room for a busy CI host.
        XCTAssertLessThan(buildSeconds, 1.0)
        XCTAssertLessThan(encodeSeconds, 1.0)
    }
}
