import Foundation
import XCTest
import TernEngine

/// Mirostat v2: drop surprisal > mu, draw, mu ← mu − eta·(s − tau), s from the renormalized pick.
final class MirostatV2SamplerTests: XCTestCase {
    func testMuUpdateWhenOneTokenSurvives() {
        // p = 0.6, 0.2, 0.2 → surprisal 0.737, 2.322, 2.322 bits. tau 0.5 → mu₀ = 1: only id 0 survives.
        // Renormalized p = 1 → s = 0 → mu₁ = 1 − 0.1·(0 − 0.5) = 1.05; again → mu₂ = 1.1.
        let logits: [Float] = [0.6, 0.2, 0.2].map { logf($0) }
        var s = MirostatV2Sampler(tau: 0.5, eta: 0.1, seed: 3)
        XCTAssertEqual(s.mu, 1)
        var c = candidates(logits)
        s.apply(&c, history: [])
        XCTAssertEqual(live(c), [0])
        XCTAssertEqual(s.mu, 1.05, accuracy: 1e-6)
        c = candidates(logits)
        s.apply(&c, history: [])
        XCTAssertEqual(s.mu, 1.1, accuracy: 1e-6)
    }

    func testMuUpdateWithTwoSurvivors() {
        // p = 0.5, 0.25, 0.125, 0.125 → surprisal 1, 2, 3, 3 bits. tau 1.25 → mu = 2.5 keeps ids 0, 1,
        // renormalized to 2/3, 1/3: s = 0.584963 or 1.584963 bits.
        // pick 0: mu = 2.5 − 0.1·(0.584963 − 1.25) = 2.566504; pick 1: 2.5 − 0.1·(0.334963) = 2.466504
        let logits: [Float] = [0.5, 0.25, 0.125, 0.125].map { logf($0) }
        var zeros = 0
        for seed in 0..<600 as Range<UInt64> {
            var s = MirostatV2Sampler(tau: 1.25, eta: 0.1, seed: seed)
            var c = candidates(logits)
            s.apply(&c, history: [])
            XCTAssertEqual(c.count, 1)
            switch c.ids[0] {
            case 0: XCTAssertEqual(s.mu, 2.566504, accuracy: 1e-5); zeros += 1
            case 1: XCTAssertEqual(s.mu, 2.466504, accuracy: 1e-5)
            default: XCTFail("token \(c.ids[0]) has surprisal 3 > mu 2.5 and must be truncated")
            }
        }
        // The draw follows the renormalized 2/3 : 1/3 (σ ≈ 0.019 at n = 600).
        XCTAssertEqual(Double(zeros) / 600, 2.0 / 3.0, accuracy: 0.08)
    }

    func testNothingSurvivesKeepsTheMostLikely() {
        // p = 1/(1 + 2e^0.5) = 0.2327, 0.3837, 0.3837 → 2.10, 1.38, 1.38 bits, all > mu = 0.02:
        // the most likely (first on ties) is kept.
        var s = MirostatV2Sampler(tau: 0.01, eta: 0.1, seed: 1)
        var c = candidates([0, 0.5, 0.5])
        s.apply(&c, history: [])
        XCTAssertEqual(live(c), [1])
    }

    func testSeedMakesItReproducible() {
        let logits: [Float] = (0..<50).map { Float($0 % 7) * 0.3 - Float($0 % 3) }
        func run(_ seed: UInt64) -> ([Int], Float) {
            var s = MirostatV2Sampler(tau: 3, eta: 0.1, seed: seed)
            var picks: [Int] = []
            for _ in 0..<100 {
                var c = candidates(logits)
                s.apply(&c, history: [])
                picks.append(c.ids[0])
            }
            return (picks, s.mu)
        }
        let a = run(42), b = run(42), other = run(43)
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(a.0, other.0)
    }
}
