import Foundation
import XCTest
import TernEngine

/// Each sampler's defining property, on small hand-made logit vectors.
final class SamplerTests: XCTestCase {
    private func candidates(_ logits: [Float]) -> Candidates {
        var c = Candidates()
        logits.withUnsafeBufferPointer { c.load($0) }
        return c
    }

    private func live(_ c: Candidates) -> [Int] { Array(c.ids[0..<c.count]) }

    func testGreedyPicksArgmaxAndLowestIdOnTies() {
        var c = candidates([0.1, 3, -1, 3, 2])
        var g = GreedySampler()
        g.apply(&c, history: [])
        XCTAssertEqual(live(c), [1])
    }

    func testTopKKeepsTheKLargestInOrder() {
        var c = candidates([0.5, 4, -2, 3, 9, 1])
        var s = TopKSampler(3)
        s.apply(&c, history: [])
        XCTAssertEqual(live(c), [4, 1, 3])
        XCTAssertTrue(c.sorted)
    }

    func testTopPKeepsSmallestSetReachingP() {
        // probabilities 0.5, 0.25, 0.125, 0.125 (logits are their logs)
        let p: [Float] = [0.125, 0.5, 0.125, 0.25]
        var c = candidates(p.map { logf($0) })
        var s = TopPSampler(0.7)  // 0.5 < 0.7 ≤ 0.75
        s.apply(&c, history: [])
        XCTAssertEqual(live(c), [1, 3])
        var all = candidates(p.map { logf($0) })
        var off = TopPSampler(1)
        off.apply(&all, history: [])
        XCTAssertEqual(all.count, 4)
    }

    func testMinPDropsTokensBelowFractionOfBest() {
        // probabilities ∝ 8, 4, 1, 0.5 → relative to best: 1, 0.5, 0.125, 0.0625
        var c = candidates([8, 4, 1, 0.5].map { logf($0) })
        var s = MinPSampler(0.1)
        s.apply(&c, history: [])
        XCTAssertEqual(live(c), [0, 1, 2])
    }

    func testTemperatureDividesLogits() {
        var c = candidates([2, -4, 1])
        var s = TemperatureSampler(0.5)
        s.apply(&c, history: [])
        XCTAssertEqual(Array(c.logits[0..<3]), [4, -8, 2])
    }

    func testPenaltiesFollowLlamaCppFormula() {
        // token 0 seen twice (positive logit: divided), token 1 once (negative: multiplied), token 2 unseen.
        var c = candidates([3, -2, 1])
        var s = PenaltySampler(lastN: 64, repetition: 1.5, frequency: 0.25, presence: 0.5)
        s.apply(&c, history: [0, 1, 0])
        XCTAssertEqual(c.logits[0], 3 / 1.5 - 2 * 0.25 - 0.5, accuracy: 1e-6)
        XCTAssertEqual(c.logits[1], -2 * 1.5 - 1 * 0.25 - 0.5, accuracy: 1e-6)
        XCTAssertEqual(c.logits[2], 1)
        // lastN limits the window: only the final token (0) counts.
        var d = candidates([3, -2, 1])
        var w = PenaltySampler(lastN: 1, repetition: 2)
        w.apply(&d, history: [1, 0])
        XCTAssertEqual(Array(d.logits[0..<3]), [1.5, -2, 1])
    }

    func testSeedMakesSamplingReproducibleAndDrawsFollowProbabilities() {
        let logits: [Float] = [0, logf(3), -20]  // p ≈ 0.25, 0.75, 0
        func draws(seed: UInt64, n: Int) -> [Int] {
            var chain = SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0, seed: seed).makeChain()
            return (0..<n).map { _ in logits.withUnsafeBufferPointer { chain.sample($0, history: []) } }
        }
        XCTAssertEqual(draws(seed: 7, n: 50), draws(seed: 7, n: 50))
        XCTAssertNotEqual(draws(seed: 7, n: 50), draws(seed: 8, n: 50))
        let many = draws(seed: 1, n: 20_000)
        let share1 = Double(many.filter { $0 == 1 }.count) / 20_000
        XCTAssertEqual(share1, 0.75, accuracy: 0.015)
        XCTAssertFalse(many.contains(2))
    }

    func testTopLogprobsAreOverFullSoftmax() {
        let logits: [Float] = [1, 2, 3]
        let top = logits.withUnsafeBufferPointer { topLogprobs($0, k: 2) }
        let lse = log(exp(1.0) + exp(2.0) + exp(3.0))
        XCTAssertEqual(top.map(\.id), [2, 1])
        XCTAssertEqual(top[0].logprob, 3 - lse, accuracy: 1e-6)
        XCTAssertEqual(top[1].logprob, 2 - lse, accuracy: 1e-6)
    }

    func testStopMatcherHoldsBackPossibleStopPrefix() {
        var m = StopMatcher(["</s>", "END"])
        XCTAssertEqual(m.push("Hello <").0, "Hello ")
        XCTAssertEqual(m.push("/").0, "")
        let (text, stopped) = m.push("s> more")
        XCTAssertEqual(text, "")
        XCTAssertEqual(stopped, "</s>")
        var n = StopMatcher(["END"])
        XCTAssertEqual(n.push("EN").0, "")
        XCTAssertEqual(n.flush("d"), "ENd")
    }
}
