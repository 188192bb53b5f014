import Foundation
import XCTest
import TernCKernels
import TernKernels
import TernModels

/// RoPE's two layouts with Llama 3's frequency factors, and ALiBi's slopes and scores, against
/// values worked out by hand.
final class PositionEncodingTests: XCTestCase {
    func testRoPELayoutsAndFrequencyFactors() {
        // D = 4, base 10 000: pair 0 turns by p·1, pair 1 by p·10 000^(-1/2) = p/100.
        var normal: [Float] = [1, 0, 1, 0]
        RoPE(headDim: 4, base: 10_000, style: .normal).apply(&normal, heads: 1, position: 1)
        XCTAssertEqual(normal[0], cos(1), accuracy: 1e-6)
        XCTAssertEqual(normal[1], sin(1), accuracy: 1e-6)
        XCTAssertEqual(normal[2], cos(0.01), accuracy: 1e-6)
        XCTAssertEqual(normal[3], sin(0.01), accuracy: 1e-6)

        var neox: [Float] = [1, 0, 0, 0]  // NEOX pairs dimension i with i + D/2
        RoPE(headDim: 4, base: 10_000, style: .neox).apply(&neox, heads: 1, position: 1)
        XCTAssertEqual(neox, [cosf(1), 0, sinf(1), 0], accuracy: 1e-6)

        var scaled: [Float] = [1, 0, 1, 0]  // a factor of 2 on pair 1 halves its frequency
        RoPE(headDim: 4, base: 10_000, style: .normal, frequencyFactors: [1, 2]).apply(&scaled, heads: 1, position: 1)
        XCTAssertEqual(scaled[2], cos(0.005), accuracy: 1e-6)
        XCTAssertEqual(scaled[3], sin(0.005), accuracy: 1e-6)
    }

    func testAlibiSlopes() {
        // 4 heads, max bias 8: 2^(-8/4·(h+1)).
        XCTAssertEqual(Bloom.alibiSlopes(heads: 4, maxBias: 8), [0.25, 0.0625, 0.015625, 0.00390625])
        // 6 heads: the first 4 as above; then m1 = 2^(-4/4) = 0.5 to the powers 1 and 3.
        XCTAssertEqual(Bloom.alibiSlopes(heads: 6, maxBias: 8), [0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125])
    }

    func testAlibiScoresInTheAttentionKernel() {
        // One head, D = 8, three keys at positions 0…2 and a query at position 2: scores
        // q·k_j + slope·(j − 2), then softmax over j, then the weighted values.
        let d = 8, slope: Float = 0.5
        let q: [Float] = [1, 0, 0, 0, 0, 0, 0, 0]
        let keys: [Float] = (0..<3).flatMap { j in [Float(j), 0, 0, 0, 0, 0, 0, 0] }  // q·k_j = j
        let values: [Float] = (0..<3).flatMap { j in [Float(10 * j), 1, 0, 0, 0, 0, 0, 0] }
        var out = [Float](repeating: 0, count: d)
        let slopes: [Float] = [slope]
        tern_attend_f32(q, 1, keys, values, keys, values, 0, Int64(d), 0, 2, Int64(d), slopes, &out)
        let scores = (0..<3).map { j in Float(j) + slope * Float(j - 2) }  // -1, 0.5, 2
        let weights = scores.map { exp($0) }, total = weights.reduce(0, +)
        XCTAssertEqual(out[0], (0..<3).map { weights[$0] / total * Float(10 * $0) }.reduce(0, +), accuracy: 1e-5)
        XCTAssertEqual(out[1], 1, accuracy: 1e-6)
        var plain = [Float](repeating: 0, count: d)
        tern_attend_f32(q, 1, keys, values, keys, values, 0, Int64(d), 0, 2, Int64(d), nil, &plain)
        XCTAssertNotEqual(plain[0], out[0], accuracy: 0.1)  // the slopes change the answer
    }
}

private func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
