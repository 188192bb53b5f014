import Foundation
import XCTest
import TernEngine

/// Top-nσ: keep logit ≥ max − n·σ, σ the population std of the (finite) logits.
final class TopNSigmaSamplerTests: XCTestCase {
    // Logits 1…5 shuffled, plus a −∞ that must not count: mean 3,
    // σ = √((4 + 1 + 0 + 1 + 4) / 5) = √2 = 1.414214.
    private let logits: [Float] = [3, 5, -.infinity, 1, 4, 2]

    private func run(_ n: Float) -> [Int] {
        var c = candidates(logits)
        var s = TopNSigmaSampler(n)
        s.apply(&c, history: [])
        return live(c)
    }

    func testThresholdIsMaxMinusNSigma() {
        // n = 1: 5 − 1.414214 = 3.585786 → logits 5, 4 (ids 1, 4)
        XCTAssertEqual(run(1), [1, 4])
        // n = 2: 5 − 2.828427 = 2.171573 → logits 3, 5, 4 (ids 0, 1, 4).
        // (A sample std, √2.5, would give 1.837722 and also keep logit 2, id 5.)
        XCTAssertEqual(run(2), [0, 1, 4])
        // n = 0.5: 5 − 0.707107 = 4.292893 → only 5
        XCTAssertEqual(run(0.5), [1])
    }

    func testNonPositiveNIsOff() {
        XCTAssertEqual(run(0), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(run(-1), [0, 1, 2, 3, 4, 5])
    }
}
