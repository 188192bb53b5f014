import Foundation
import XCTest
import TernEngine

/// Forking-paths analysis on the real default model.
final class ForkingPathsTests: XCTestCase {
    func testOutcomeDistributionsAlongAGreedyPath() throws {
        let loaded = try DefaultModel.load()
        let session = Session(loaded, contextSize: 512)
        let prompt = loaded.tokenizer.encode("Question: What is 12 + 30?\nAnswer:", addSpecial: true, parseSpecial: false)
        var options = ForkingPaths.Options(samples: 4, maxTokens: 8)
        options.slack = 4
        let report = try ForkingPaths(session: session).run(prompt: prompt, options: options) { text in
            text.matches(of: /-?\d+/).last.map { String($0.output) }
        }
        // The base path is the greedy one (llama.cpp's: tests/LocalModelTests) and its last number is the outcome.
        XCTAssertEqual(report.baseText, " 12 + 30 =")
        XCTAssertEqual(report.baseOutcome, "30")
        XCTAssertEqual(report.positions.count, 8)
        for p in report.positions {
            XCTAssertEqual(p.outcomes.values.reduce(0, +), 1, accuracy: 1e-9)
            XCTAssertEqual(p.outcomes.values.map { $0 * 4 }.map { $0.rounded() }, p.outcomes.values.map { $0 * 4 }, "shares of 4 samples")
            XCTAssertEqual(p.baseOutcomeProbability, p.outcomes["30"] ?? 0)
            XCTAssertGreaterThanOrEqual(p.entropy, 0)
        }
        // The entropy at the first position is that of the prompt's own next-token distribution.
        let fresh = Session(loaded, contextSize: 512)
        XCTAssertEqual(report.positions[0].entropy, entropy(UnsafeBufferPointer(try fresh.evaluate(prompt))), accuracy: 1e-9)
        // Shifts are total-variation distances to the next position; forking tokens are those past the threshold.
        for (i, p) in report.positions.enumerated() {
            let next = i + 1 < report.positions.count ? report.positions[i + 1].outcomes : ["30": 1]
            XCTAssertEqual(p.shift, ForkingPaths.totalVariation(p.outcomes, next), accuracy: 1e-12)
        }
        XCTAssertEqual(report.forkingTokens, report.positions.filter { $0.shift >= 0.5 }.map(\.index))
        // Forks share the prefix: the prompt once, then two tokens per position; generation is bounded
        // by K × (remaining length + slack) per position.
        XCTAssertLessThanOrEqual(report.evaluatedPromptTokens, prompt.count + 2 * 8)
        XCTAssertLessThanOrEqual(report.generatedTokens, 8 + (0..<8).reduce(0) { $0 + 4 * (8 - $1 + 4) })

        // A base path given as tokens (the playground's current output) is analysed as it is:
        // the greedy path given back gives the same report; another path gives its own.
        var given = options
        given.basePath = report.positions.map(\.tokenID)
        let again = try ForkingPaths(session: Session(loaded, contextSize: 512)).run(prompt: prompt, options: given) { text in
            text.matches(of: /-?\d+/).last.map { String($0.output) }
        }
        XCTAssertEqual(again.baseText, report.baseText)
        XCTAssertEqual(again.positions.map(\.outcomes), report.positions.map(\.outcomes))
        given.basePath = loaded.tokenizer.encode(" 42", addSpecial: false, parseSpecial: false)
        let other = try ForkingPaths(session: Session(loaded, contextSize: 512)).run(prompt: prompt, options: given) { text in
            text.matches(of: /-?\d+/).last.map { String($0.output) }
        }
        XCTAssertEqual(other.baseText, " 42")
        XCTAssertEqual(other.baseOutcome, "42")
        XCTAssertEqual(other.positions.count, given.basePath?.count)
    }

    func testTotalVariation() {
        XCTAssertEqual(ForkingPaths.totalVariation(["a": 1], ["b": 1]), 1)
        XCTAssertEqual(ForkingPaths.totalVariation(["a": 0.5, "b": 0.5], ["a": 0.75, "b": 0.25]), 0.25, accuracy: 1e-12)
        XCTAssertEqual(ForkingPaths.totalVariation(["a": 1], ["a": 1]), 0)
    }
}
