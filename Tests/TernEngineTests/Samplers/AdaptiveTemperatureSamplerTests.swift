import Foundation
import XCTest
import TernEngine

/// Veličković et al. 2024 (arXiv 2410.01104): β = max(poly(H), 1) when H > 0.5, else 1, with
/// poly(H) = −0.037H⁴ + 0.481H³ − 2.3H² + 4.917H − 1.791; logits are multiplied by β.
final class AdaptiveTemperatureSamplerTests: XCTestCase {
    func testPolynomialAtHandPickedEntropies() {
        // H = 3: −0.037·81 + 0.481·27 − 2.3·9 + 4.917·3 − 1.791
        //      = −2.997 + 12.987 − 20.7 + 14.751 − 1.791 = 2.25
        XCTAssertEqual(AdaptiveTemperatureSampler.beta(entropy: 3), 2.25, accuracy: 1e-4)
        // H = 1: −0.037 + 0.481 − 2.3 + 4.917 − 1.791 = 1.27
        XCTAssertEqual(AdaptiveTemperatureSampler.beta(entropy: 1), 1.27, accuracy: 1e-4)
        // H = 0.6 > 0.5 but poly = −0.0048 + 0.1039 − 0.828 + 2.9502 − 1.791 = 0.4303 → clamped to 1
        XCTAssertEqual(AdaptiveTemperatureSampler.beta(entropy: 0.6), 1)
        // H = 7: −88.837 + 164.983 − 112.7 + 34.419 − 1.791 = −3.926 → clamped to 1
        XCTAssertEqual(AdaptiveTemperatureSampler.beta(entropy: 7), 1)
        // At the threshold itself β is 1 (the listing uses a strict H > 0.5).
        XCTAssertEqual(AdaptiveTemperatureSampler.beta(entropy: 0.5), 1)
    }

    func testBetaIsNeverBelowOne() {
        for step in 0...2000 {
            let h = Float(step) * 0.01  // 0 … 20 nats
            XCTAssertGreaterThanOrEqual(AdaptiveTemperatureSampler.beta(entropy: h), 1, "H = \(h)")
        }
    }

    func testHighEntropyInputIsSharpened() {
        // logits 2, 1, 0×6: Z = e² + e + 6 = 7.389056 + 2.718282 + 6 = 16.107338
        // p = 0.458739, 0.168760, 0.062084 (×6)
        // H = 0.458739·0.779284 + 0.168760·1.779284 + 6·0.062084·2.779284
        //   = 0.357487 + 0.300272 + 1.035277 = 1.693036
        // β = −0.037·8.216082 + 0.481·4.852867 − 2.3·2.866371 + 4.917·1.693036 − 1.791
        //   = −0.303995 + 2.334229 − 6.592653 + 8.324658 − 1.791 = 1.971239
        let logits: [Float] = [2, 1, 0, 0, 0, 0, 0, 0]
        var c = candidates(logits)
        XCTAssertEqual(AdaptiveTemperatureSampler.entropy(c), 1.693036, accuracy: 1e-4)
        let before = c.probabilities()
        var s = AdaptiveTemperatureSampler()
        s.apply(&c, history: [])
        let beta: Float = 1.971239
        for i in 0..<8 { XCTAssertEqual(c.logits[i], logits[i] * beta, accuracy: 1e-4) }
        let after = c.probabilities()
        // Sharper than plain softmax: the top probability rises (0.4587 → ≈0.796), entropy falls.
        XCTAssertEqual(before[0], 0.458739, accuracy: 1e-5)
        XCTAssertGreaterThan(after[0], before[0] + 0.3)
        XCTAssertLessThan(shannon(after), shannon(before) - 0.5)
        XCTAssertEqual(live(c), Array(0..<8))  // nothing removed, order kept
    }

    func testLowEntropyInputIsUntouchedBitForBit() {
        // logits 10, 0, 0: p₀ = e¹⁰/(e¹⁰ + 2) = 0.999909, H ≈ 0.0010 < 0.5 → β = 1.
        let logits: [Float] = [10, 0.1, -0.3]
        var c = candidates(logits)
        XCTAssertLessThan(AdaptiveTemperatureSampler.entropy(c), 0.5)
        var s = AdaptiveTemperatureSampler()
        s.apply(&c, history: [])
        XCTAssertEqual(liveLogits(c).map(\.bitPattern), logits.map(\.bitPattern))
    }

    func testFlatFullVocabularyIsOutsideTheFitAndUnchanged() {
        // 1000 equal logits: H = ln 1000 = 6.9078 > 5.8, where poly < 1 → β = 1 (recipe's clamp).
        let logits = [Float](repeating: 0.25, count: 1000)
        var c = candidates(logits)
        var s = AdaptiveTemperatureSampler()
        s.apply(&c, history: [])
        XCTAssertEqual(liveLogits(c), logits)
    }
}
