import Foundation
import TernGGUF
import XCTest
import TernTokenizers

/// Byte-level BPE against llama.cpp: vocabularies trained by scripts/make_tiny_model.py (one per
/// pre-tokenizer), token ids recorded from llama.cpp by scripts/tokenizer_bpe_reference.py on a
/// corpus of code, numbers, CJK, emoji, whitespace runs and special-token look-alikes.
final class BytePairTokenizerTests: XCTestCase {
    struct Reference: Decodable {
        struct Case: Decodable { let plain: [Int]; let special: [Int]; let decoded: String }
        let corpus: [String]
        let vocabularies: [String: [Case]]
    }

    static func fixture(_ name: String, _ ext: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures/bpe"))
    }

    func testEveryPreTokenizerMatchesLlamaCpp() throws {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.fixture("reference", "json")))
        XCTAssertEqual(Set(reference.vocabularies.keys), ["gpt-2", "llama-bpe", "qwen2", "smollm", "deepseek-llm", "falcon", "bloom"])
        for (pre, cases) in reference.vocabularies.sorted(by: { $0.key < $1.key }) {
            let tokenizer = try loadTokenizer(GGUFFile(path: Self.fixture(pre, "gguf").path))
            let bpe = try XCTUnwrap(tokenizer as? BytePairTokenizer, pre)
            XCTAssertEqual(bpe.preTokenizer.name, pre)
            var mismatches = 0
            for (text, expected) in zip(reference.corpus, cases) {
                let plain = tokenizer.encode(text, addSpecial: true, parseSpecial: false)
                let special = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
                if plain != expected.plain || special != expected.special { mismatches += 1 }
                XCTAssertEqual(plain, expected.plain, "\(pre): \(String(reflecting: text))")
                XCTAssertEqual(special, expected.special, "\(pre) (special): \(String(reflecting: text))")
                XCTAssertEqual(tokenizer.decode(plain, renderSpecial: true), expected.decoded, "\(pre) decode: \(String(reflecting: text))")
            }
            XCTAssertEqual(mismatches, 0, "\(pre): \(mismatches) of \(cases.count) texts differ")
        }
    }

    /// The splits worked out by hand from each pattern.
    func testPreTokenizersSplitAsTheirPatterns() throws {
        func split(_ name: String, _ text: String) -> [String] { PreTokenizer(name: name)!.split(text) }
        XCTAssertEqual(split("gpt-2", "Hello world's 12345  x\n"), ["Hello", " world", "'s", " 12345", " ", " x", "\n"])
        XCTAssertEqual(split("gpt-2", "It'S ok"), ["It", "'", "S", " ok"])  // case-sensitive contractions
        XCTAssertEqual(split("llama-bpe", "It'S 12345!!\n\nok"), ["It", "'S", " ", "123", "45", "!!\n\n", "ok"])
        XCTAssertEqual(split("llama-bpe", "a  \n b"), ["a", "  \n", " b"])
        XCTAssertEqual(split("qwen2", "x 2026"), ["x", " ", "2", "0", "2", "6"])
        XCTAssertEqual(split("smollm", "ab12 cd"), ["ab", "1", "2", " cd"])
        XCTAssertEqual(split("deepseek-llm", "Hi 42, 世界\n"), ["Hi", " ", "42", ",", " ", "世界", "\n"])
        XCTAssertNil(PreTokenizer(name: "no-such-pre"))
    }

    func testMergesAndByteLevelSpelling() throws {
        let t = try BytePairTokenizer(tokens: ["a", "b", "ab", "Ġ", "Ġa", "Ċ"], merges: ["a b", "Ġ a"], types: [1, 1, 1, 1, 1, 1],
                                      preTokenizer: PreTokenizer(name: "gpt-2")!, bos: nil, eos: nil, addBOS: false)
        XCTAssertEqual(t.encode("ab a", addSpecial: false, parseSpecial: false), [2, 4])
        XCTAssertEqual(t.decode([2, 4, 5], renderSpecial: false), "ab a\n")
        XCTAssertThrowsError(try BytePairTokenizer(tokens: ["a"], merges: ["ab"], types: [1], preTokenizer: PreTokenizer(name: "gpt-2")!,
                                                   bos: nil, eos: nil, addBOS: false)) { error in
            XCTAssertTrue("\(error)".contains("merge 0 \"ab\" is not two tokens"), "\(error)")
        }
    }
}
