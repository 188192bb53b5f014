import Foundation
import XCTest
import TernEngine

/// llama.cpp dynatemp: T = lo + (hi − lo)·(H / ln n)^exponent, lo = max(0, t − range), hi = t + range.
final class DynamicTemperatureSamplerTests: XCTestCase {
    func testLowEntropyGetsTheLowEnd() {
        // logits 20, 0, 0, 0: H ≈ 3·e⁻²⁰·21 ≈ 1.3e−7 nats → Ĥ ≈ 0 → T = 1 − 0.5 = 0.5 → 20 / 0.5 = 40.
        var c = candidates([20, 0, 0, 0])
        var s = DynamicTemperatureSampler(temperature: 1, range: 0.5)
        s.apply(&c, history: [])
        XCTAssertEqual(s.lastTemperature, 0.5, accuracy: 1e-5)
        XCTAssertEqual(c.logits[0], 40, accuracy: 1e-3)
        XCTAssertEqual(c.logits[1], 0)
    }

    func testUniformGetsTheHighEnd() {
        // Four equal logits: H = ln 4 → Ĥ = 1 → T = 1 + 0.5 = 1.5 → 1 / 1.5 = 0.666667.
        var c = candidates([1, 1, 1, 1])
        var s = DynamicTemperatureSampler(temperature: 1, range: 0.5)
        s.apply(&c, history: [])
        XCTAssertEqual(s.lastTemperature, 1.5, accuracy: 1e-5)
        for i in 0..<4 { XCTAssertEqual(c.logits[i], 0.666667, accuracy: 1e-5) }
    }

    func testExponentShapesTheMiddle() {
        // p = 0.75, 0.25 (logits ln 3, 0): H = 0.75·0.287682 + 0.25·1.386294 = 0.562335
        // Ĥ = 0.562335 / 0.693147 = 0.811278; exponent 2 → T = 0.5 + 1·0.811278² = 1.158172
        // logit₀ = 1.098612 / 1.158172 = 0.948574
        var c = candidates([logf(3), 0])
        var s = DynamicTemperatureSampler(temperature: 1, range: 0.5, exponent: 2)
        s.apply(&c, history: [])
        XCTAssertEqual(s.lastTemperature, 1.158172, accuracy: 1e-5)
        XCTAssertEqual(c.logits[0], 0.948574, accuracy: 1e-5)
    }

    func testRangeZeroIsPlainTemperature() {
        let logits: [Float] = [2, -4, 1, 0.37, 5.5]
        var a = candidates(logits), b = candidates(logits)
        var dyn = DynamicTemperatureSampler(temperature: 0.7, range: 0)
        var plain = TemperatureSampler(0.7)
        dyn.apply(&a, history: [])
        plain.apply(&b, history: [])
        XCTAssertEqual(liveLogits(a), liveLogits(b))
    }

    func testZeroLowEndOnOneHotKeepsOnlyTheBest() {
        // t = 0.5, range = 1 → lo = max(0, −0.5) = 0; p = 0, 1, 0 exactly → H = 0 → T = 0 → greedy,
        // as llama.cpp. (Any finite competitor gives H > 0, hence a tiny positive T instead.)
        var c = candidates([-.infinity, 30, -.infinity])
        var s = DynamicTemperatureSampler(temperature: 0.5, range: 1)
        s.apply(&c, history: [])
        XCTAssertEqual(live(c), [1])
    }
}
