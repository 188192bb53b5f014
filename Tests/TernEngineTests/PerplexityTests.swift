import Foundation
import XCTest
import TernEngine

/// Acceptance: perplexity of GPL-3.txt at ctx 512 within 1% of llama.cpp's 13.9062 (Fixtures/perplexity.json).
final class PerplexityTests: XCTestCase {
    func testGPL3PerplexityMatchesLlamaCpp() throws {
        let text = try String(contentsOf: XCTUnwrap(Bundle.module.url(forResource: "GPL-3", withExtension: "txt", subdirectory: "Fixtures")), encoding: .utf8)
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: XCTUnwrap(
            Bundle.module.url(forResource: "perplexity", withExtension: "json", subdirectory: "Fixtures")))) as! [String: Any]
        let expected = reference["ppl"] as! Double, chunks = reference["chunks"] as! Int
        let result = try perplexity(of: text, loaded: DefaultModel.load(), context: 512)
        print("perplexity: \(result.perplexity) ± \(result.standardError) over \(result.chunks) chunks (llama.cpp \(expected))")
        XCTAssertEqual(result.chunks, chunks)
        XCTAssertEqual(result.perplexity, expected, accuracy: expected * 0.01)
    }

    func testTextShorterThanOneChunkIsAnError() throws {
        XCTAssertThrowsError(try perplexity(of: "too short", loaded: DefaultModel.load(), context: 512)) { error in
            XCTAssertEqual(error as? EngineError, .textTooShort(tokens: 3, needed: 512))
        }
    }
}
