import Foundation
import TernGGUF
import TernKernels
import XCTest

/// A header with the real Gemma 3 270M's shape (33-ish keys, 262144-entry token, score and type
/// arrays) parses correctly and fast. The real file itself is covered by the model tests.
final class GGUFModelHeaderTests: XCTestCase {
    func testFullSizeVocabularyHeader() throws {
        let vocabulary = 262_144
        let bytes = Samples.modelWriter(vocabulary: vocabulary).serialized()

        let start = Date()
        let file = try parse(bytes)
        let seconds = Date().timeIntervalSince(start)
        print("GGUF header with a \(vocabulary)-token vocabulary (\(bytes.count) bytes) parsed in \(seconds) s")
        #if !DEBUG
        XCTAssertLessThan(seconds, 1, "parsing a model header must take well under a second")
        #endif

        XCTAssertEqual(file.architecture, "gemma3")
        XCTAssertEqual(file.metadataKeys.count, 31)
        XCTAssertEqual(file.metadataKeys.first, "general.architecture")
        XCTAssertEqual(file.metadataKeys.last, "general.file_type")
        XCTAssertEqual(file.metadata["gemma3.block_count"]?.int, 1)
        XCTAssertEqual(file.metadata["gemma3.attention.layer_norm_rms_epsilon"]?.float, 1e-6)
        XCTAssertEqual(file.metadata["gemma3.rope.freq_base"]?.float, 1_000_000)
        XCTAssertEqual(file.metadata["tokenizer.ggml.add_bos_token"]?.bool, true)
        XCTAssertEqual(file.metadata["test.offset"]?.int, -5)

        let tokens = try XCTUnwrap(file.metadata["tokenizer.ggml.tokens"]?.strings)
        XCTAssertEqual(tokens.count, vocabulary)
        XCTAssertEqual(Array(tokens[0..<5]), ["<pad>", "<eos>", "<bos>", "<unk>", "🦜4"])
        XCTAssertEqual(tokens[262_143], "\u{0}262143")
        XCTAssertEqual(tokens[100_003], "日本100003")
        let scores = try XCTUnwrap(file.metadata["tokenizer.ggml.scores"]?.floats)
        XCTAssertEqual(scores.count, vocabulary)
        XCTAssertEqual(scores[262_143], -65535.75)
        XCTAssertEqual(file.metadata["tokenizer.ggml.token_type"]?.ints?.prefix(6), [3, 3, 3, 3, 1, 1])

        XCTAssertEqual(file.tensors.count, 10)
        XCTAssertEqual(file.tensor(named: "token_embd.weight")?.shape, [64, 4])
        XCTAssertEqual(file.tensor(named: "token_embd.weight")?.type, .q8_0)
    }
}
