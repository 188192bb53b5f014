import Foundation
import XCTest
import TernEmbeddings
import TernStore

/// all-MiniLM-L6-v2 (pulled as `minilm-l6`) against sentence-transformers: the fixture
/// (scripts/minilm_reference.py) holds the token ids and vectors of 43 texts chosen to exercise
/// BERT's normalization (accents, CJK, controls, emoji, punctuation, special-token strings),
/// WordPiece (long and unknown words) and truncation at 256 tokens.
final class MiniLMParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int]; let embedding: [Float] }
        let max_seq_length: Int
        let dimension: Int
        let cases: [Case]
    }

    static let fixture: Fixture = {
        let url = Bundle.module.url(forResource: "minilm-l6", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static let embedder: Result<SentenceEmbedder, Error> = Result {
        try SentenceEmbedder(folder: ModelStore().resolve("minilm-l6"), threads: 2)
    }

    func testTokenIDsMatchHuggingFace() throws {
        let embedder = try Self.embedder.get()
        XCTAssertEqual(embedder.maxLength, Self.fixture.max_seq_length)
        for c in Self.fixture.cases {
            XCTAssertEqual(embedder.tokenizer.encode(c.text, maxLength: embedder.maxLength), c.ids, "\(c.text.debugDescription)")
        }
    }

    func testEmbeddingsMatchSentenceTransformers() throws {
        let embedder = try Self.embedder.get()
        XCTAssertEqual(embedder.dimension, Self.fixture.dimension)
        let texts = Self.fixture.cases.map(\.text)
        // In batches of 32 (texts of different lengths side by side) and one at a time.
        for vectors in [embedder.embed(texts, batchSize: 32), texts.flatMap { embedder.embed([$0]) }] {
            XCTAssertEqual(vectors.count, texts.count)
            for (v, c) in zip(vectors, Self.fixture.cases) {
                let cosine = zip(v, c.embedding).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                XCTAssertGreaterThanOrEqual(cosine, 0.9999, "\(c.text.prefix(40).debugDescription)")
                XCTAssertEqual(v.reduce(Float(0)) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
            }
        }
    }
}
