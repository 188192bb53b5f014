import Foundation
import XCTest
import TernEngine

/// DRY: a candidate that would extend a repeated suffix of length L ≥ allowed loses
/// multiplier · base^(L − allowed).
final class DRYSamplerTests: XCTestCase {
    private func run(_ history: [Int], vocab: Int = 10, lastN: Int = -1, breakers: Set<Int> = []) -> [Float] {
        var c = candidates([Float](repeating: 0, count: vocab))
        var s = DRYSampler(multiplier: 0.8, base: 1.75, allowedLength: 2, lastN: lastN, sequenceBreakers: breakers)
        s.apply(&c, history: history[...])
        return liveLogits(c)
    }

    /// Asserts that token t lost exactly penalties[t] (0 when absent) and nothing else changed.
    private func assertPenalties(_ out: [Float], _ penalties: [Int: Float], line: UInt = #line) {
        XCTAssertEqual(out.count, 10, line: line)
        for t in 0..<out.count {
            XCTAssertEqual(out[t], -(penalties[t] ?? 0), accuracy: 1e-6, "token \(t)", line: line)
        }
    }

    func testPenalizesExactlyTheContinuation() {
        // 1 2 3 4 9 1 2 3: the suffix "1 2 3" occurred before, followed by 4. L = 3
        // → token 4 loses 0.8 · 1.75^(3 − 2) = 1.4; no other suffix recurs.
        let out = run([1, 2, 3, 4, 9, 1, 2, 3])
        XCTAssertEqual(out[4], -1.4, accuracy: 1e-6)
        for t in 0..<10 where t != 4 { XCTAssertEqual(out[t], 0, "token \(t)") }
    }

    func testLongestMatchPerTokenAndAllowedLength() {
        // a b c c b c y a b c (a=1 b=2 c=3 y=4), llama.cpp's worked example:
        // "a b c" recurs → c (3) with L = 3 → 0.8·1.75 = 1.4
        // "b c" recurs before y → y (4) with L = 2 → 0.8·1.75⁰ = 0.8
        // "c" recurs before b → L = 1 < 2 → b (2) untouched
        assertPenalties(run([1, 2, 3, 3, 2, 3, 4, 1, 2, 3]), [3: 1.4, 4: 0.8])
    }

    func testLongerRepeatCostsExponentiallyMore() {
        // 1 5 2 3 4 1 5 2 3: the suffix "1 5 2 3" (L = 4) occurred before, followed by 4
        // → 0.8·1.75² = 0.8·3.0625 = 2.45
        let out = run([1, 5, 2, 3, 4, 1, 5, 2, 3])
        XCTAssertEqual(out[4], -2.45, accuracy: 1e-5)
        for t in 0..<10 where t != 4 { XCTAssertEqual(out[t], 0) }
    }

    func testBreakerStopsMatching() {
        // Same history with 5 as a breaker: the suffix may not reach past the last 5, so only
        // "2 3" counts (L = 2) → 0.8·1.75⁰ = 0.8 instead of 2.45.
        assertPenalties(run([1, 5, 2, 3, 4, 1, 5, 2, 3], breakers: [5]), [4: 0.8])
        // 1 2 3 4 1 2 3 with breaker 2: only "3" follows the last breaker → 1 < allowed → no penalty.
        assertPenalties(run([1, 2, 3, 4, 1, 2, 3], breakers: [2]), [:])
        assertPenalties(run([1, 2, 3, 4, 1, 2, 3]), [4: 1.4])  // without it: L = 3
    }

    func testBreakerTokenIsNeverPenalized() {
        // 7 1 2 7 1 2, breaker 7: "1 2" recurs followed by 7, but 7 is a breaker.
        assertPenalties(run([7, 1, 2, 7, 1, 2], breakers: [7]), [:])
        assertPenalties(run([7, 1, 2, 7, 1, 2]), [7: 0.8 * 1.75])  // L = 3 without it
    }

    func testLastNLimitsTheWindow() {
        // Only 9 1 2 3 is searched: nothing recurs.
        assertPenalties(run([1, 2, 3, 4, 9, 1, 2, 3], lastN: 4), [:])
        assertPenalties(run([1, 2, 3, 4, 9, 1, 2, 3], lastN: 8), [4: 1.4])
    }

    func testOffByDefault() {
        var c = candidates([Float](repeating: 0, count: 10))
        var s = DRYSampler()
        s.apply(&c, history: [1, 2, 3, 4, 1, 2, 3])
        assertPenalties(liveLogits(c), [:])
    }
}
