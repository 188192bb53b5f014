import Foundation
import TernEngine
import XCTest

/// The engine over a recurrent model (Mamba-2, whose sequence state is fixed-size): forked
/// sequences start from a copy of the prompt's state, and the prompt cache keeps everything or
/// nothing, since the state cannot be wound back.
final class RecurrentSessionTests: XCTestCase {
    private let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TernModelsTests/Fixtures/zoo/mamba2/model.gguf").standardized.path

    func testForkedSequencesContinueFromThePromptsState() throws {
        let loaded = try LoadedModel(path: path, threads: 2)
        let prompt = [52, 72, 69, 411, 338, 285, 454], next = [403, 12, 290]
        let session = Session(loaded, contextSize: 64)
        try session.evaluate(prompt)
        let batch = try SequenceBatch(forking: session, count: 3)
        let logits = try batch.step(next)
        let V = loaded.model.vocabularySize
        for (i, token) in next.enumerated() {
            let expected = try Self.logits(loaded, prompt + [token])
            let got = Array(logits[i * V..<(i + 1) * V])
            XCTAssertEqual(zip(got, expected).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-4, "sequence \(i)")
        }
        // The session's own state is untouched by its forks.
        let again = Array(try session.evaluate([next[0]]))
        let alone = try Self.logits(loaded, prompt + [next[0]])
        XCTAssertEqual(zip(again, alone).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-4)
    }

    /// The logits after `tokens` in a fresh session (copied while the session is alive: they live in it).
    private static func logits(_ loaded: LoadedModel, _ tokens: [Int]) throws -> [Float] {
        let session = Session(loaded, contextSize: 64)
        return try withExtendedLifetime(session) { Array(try session.evaluate(tokens)) }
    }

    func testPromptCacheKeepsAllOrNothing() throws {
        let loaded = try LoadedModel(path: path, threads: 1)
        let session = Session(loaded, contextSize: 64)
        let prompt = [52, 72, 69, 411, 338]
        try session.evaluate(prompt)
        XCTAssertEqual(session.rewind(toSharedPrefixOf: prompt + [285, 454]), 5)  // extends it: keep all
        try session.evaluate([285, 454])
        XCTAssertEqual(session.rewind(toSharedPrefixOf: [52, 72, 69, 1, 2]), 0)  // diverges: start over
        let logits = Array(try session.evaluate([52, 72, 69, 1, 2]))
        XCTAssertEqual(logits, try Self.logits(loaded, [52, 72, 69, 1, 2]))
    }
}
