import TernGGUF
import XCTest
import TernTokenizers

/// Building a tokenizer from arrays and from GGUF metadata, and the errors for bad vocabularies.
final class TokenizerLoadingTests: XCTestCase {
    typealias V = TinyVocabulary

    func testBadArraysThrowOneLineErrors() {
        func message(_ body: () throws -> SentencePieceTokenizer) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        let mismatch = message {
            try SentencePieceTokenizer(tokens: ["a", "b"], scores: [0], types: [1, 1], bos: nil, eos: nil,
                                       unknown: nil, addBOS: false, addSpacePrefix: false)
        }
        XCTAssertTrue(mismatch.contains("one entry per token"), mismatch)
        let duplicate = message {
            try SentencePieceTokenizer(tokens: ["a", "b", "a"], scores: [0, 0, 0], types: [1, 1, 1], bos: nil,
                                       eos: nil, unknown: nil, addBOS: false, addSpacePrefix: false)
        }
        XCTAssertTrue(duplicate.contains("duplicate token \"a\" at ids 0 and 2"), duplicate)
        let outside = message {
            try SentencePieceTokenizer(tokens: ["a"], scores: [0], types: [1], bos: 5, eos: nil, unknown: nil,
                                       addBOS: true, addSpacePrefix: false)
        }
        XCTAssertTrue(outside.contains("bos token id 5 is outside"), outside)
        let noBOS = message {
            try SentencePieceTokenizer(tokens: ["a"], scores: [0], types: [1], bos: nil, eos: nil, unknown: nil,
                                       addBOS: true, addSpacePrefix: false)
        }
        XCTAssertTrue(noBOS.contains("no bos token id"), noBOS)
        for text in [mismatch, duplicate, outside, noBOS] { XCTAssertFalse(text.contains("\n")) }
    }

    /// Writes `metadata` as a GGUF file with the project's writer and opens it again.
    func tokenizer(_ metadata: [String: GGUFValue]) throws -> SentencePieceTokenizer {
        var writer = GGUFWriter()
        for key in metadata.keys.sorted() { writer.add(key, metadata[key]!) }
        let bytes = writer.serialized()
        return try bytes.withUnsafeBytes { try SentencePieceTokenizer(gguf: GGUFFile(bytes: $0)) }
    }

    var tinyMetadata: [String: GGUFValue] {
        [
            "tokenizer.ggml.model": .string("llama"),
            "tokenizer.ggml.tokens": .array(V.entries.map { .string($0.text) }),
            "tokenizer.ggml.scores": .array(V.entries.map { .float32($0.score) }),
            "tokenizer.ggml.token_type": .array(V.entries.map { .int32(Int32($0.type)) }),
            "tokenizer.ggml.bos_token_id": .uint32(UInt32(V.bos)),
            "tokenizer.ggml.eos_token_id": .uint32(UInt32(V.eos)),
            "tokenizer.ggml.unknown_token_id": .uint32(UInt32(V.unknown)),
            "tokenizer.ggml.add_bos_token": .bool(true),
            "tokenizer.ggml.add_space_prefix": .bool(false),
        ]
    }

    func testGGUFMetadataGivesTheSameTokenizer() throws {
        let fromFile = try tokenizer(tinyMetadata)
        let fromArrays = try V.tokenizer()
        XCTAssertEqual(fromFile.vocabularySize, fromArrays.vocabularySize)
        XCTAssertEqual(fromFile.bos, V.bos)
        XCTAssertEqual(fromFile.eos, V.eos)
        XCTAssertTrue(fromFile.addBOS)
        XCTAssertFalse(fromFile.addSpacePrefix)
        for text in ["abc", " ab a b", "<ctl>xyzw\n\n\né", ""] {
            XCTAssertEqual(fromFile.encode(text, addSpecial: true, parseSpecial: true),
                           fromArrays.encode(text, addSpecial: true, parseSpecial: true), text)
        }
    }

    func testMissingOptionalKeysTakeLlamaCppDefaults() throws {
        let file = try tokenizer([
            "tokenizer.ggml.model": .string("llama"),
            "tokenizer.ggml.tokens": .array(["<unk>", "<s>", "</s>", "▁a"].map { .string($0) }),
        ])
        XCTAssertEqual(file.bos, 1)
        XCTAssertEqual(file.eos, 2)
        XCTAssertEqual(file.unknown, 0)
        XCTAssertTrue(file.addBOS)
        XCTAssertTrue(file.addSpacePrefix)
        // Every token is normal, so "<s>" is plain text here; "a" gets the prefix space.
        XCTAssertEqual(file.encode("a", addSpecial: true, parseSpecial: true), [1, 3])
    }

    func testGGUFWithoutASentencePieceVocabularyIsRejected() throws {
        func message(_ metadata: [String: GGUFValue]) -> String {
            do { _ = try tokenizer(metadata); return "no error" } catch { return "\(error)" }
        }
        var noModel = tinyMetadata
        noModel["tokenizer.ggml.model"] = nil
        XCTAssertTrue(message(noModel).contains("tokenizer.ggml.model is missing"), message(noModel))
        var gpt2 = tinyMetadata
        gpt2["tokenizer.ggml.model"] = .string("gpt2")
        XCTAssertTrue(message(gpt2).contains("tokenizer.ggml.model is \"gpt2\""), message(gpt2))
        var noTokens = tinyMetadata
        noTokens["tokenizer.ggml.tokens"] = nil
        XCTAssertTrue(message(noTokens).contains("tokenizer.ggml.tokens is missing"), message(noTokens))
        var shortScores = tinyMetadata
        shortScores["tokenizer.ggml.scores"] = .array([.float32(0)])
        XCTAssertTrue(message(shortScores).contains("one entry per token"), message(shortScores))
    }
}
