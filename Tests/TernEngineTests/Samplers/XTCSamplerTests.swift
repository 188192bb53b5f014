import Foundation
import XCTest
import TernEngine

/// XTC: with chance `probability`, drop every token with p ≥ threshold except the least likely one.
final class XTCSamplerTests: XCTestCase {
    // ids 0…3 have p = 0.2, 0.4, 0.1, 0.3 (sorted: id1 0.4, id3 0.3, id0 0.2, id2 0.1).
    private let logits: [Float] = [0.2, 0.4, 0.1, 0.3].map { logf($0) }

    private func run(probability: Float, threshold: Float, minKeep: Int = 1, seed: UInt64 = 9) -> [Int] {
        var c = candidates(logits)
        var s = XTCSampler(probability: probability, threshold: threshold, minKeep: minKeep, seed: seed)
        s.apply(&c, history: [])
        return live(c)
    }

    func testRemovesAllAboveThresholdButTheLeastLikely() {
        // threshold 0.15: 0.4, 0.3, 0.2 reach it → drop 0.4 and 0.3, keep 0.2 (id 0) and 0.1 (id 2).
        XCTAssertEqual(run(probability: 1, threshold: 0.15), [0, 2])
        // threshold 0.25: 0.4, 0.3 reach it → drop 0.4 only.
        XCTAssertEqual(run(probability: 1, threshold: 0.25), [3, 0, 2])
        // threshold 0.35: only 0.4 reaches it → it is the least likely of one → nothing removed
        // (the list is left sorted).
        XCTAssertEqual(run(probability: 1, threshold: 0.35), [1, 3, 0, 2])
    }

    func testMinKeepBlocksRemoval() {
        // threshold 0.15 would leave 2 < 3 candidates: nothing removed (the list is left sorted).
        XCTAssertEqual(run(probability: 1, threshold: 0.15, minKeep: 3), [1, 3, 0, 2])
    }

    func testThresholdAboveHalfIsANoOp() {
        // p = 0.7, 0.3 or 0.55, 0.45: at most one token can exceed a threshold > 0.5.
        for probs: [Float] in [[0.7, 0.3], [0.45, 0.55], [0.51, 0.49]] {
            var c = candidates(probs.map { logf($0) })
            let before = liveLogits(c)
            var s = XTCSampler(probability: 1, threshold: 0.51, seed: 1)
            s.apply(&c, history: [])
            XCTAssertEqual(live(c), [0, 1])
            XCTAssertEqual(liveLogits(c), before)
        }
    }

    func testProbabilityZeroIsANoOp() {
        for seed in 0..<50 as Range<UInt64> {
            XCTAssertEqual(run(probability: 0, threshold: 0.15, seed: seed), [0, 1, 2, 3])
        }
    }

    func testProbabilityIsTheChanceOfActing() {
        var s = XTCSampler(probability: 0.3, threshold: 0.15, seed: 5)
        var acted = 0
        for _ in 0..<4000 {
            var c = candidates(logits)
            s.apply(&c, history: [])
            if c.count == 2 { acted += 1 } else { XCTAssertEqual(c.count, 4) }
        }
        XCTAssertEqual(Double(acted) / 4000, 0.3, accuracy: 0.03)  // σ ≈ 0.007
    }
}
