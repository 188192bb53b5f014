import TernKernels
import XCTest

/// Seeded numbers for the gradient tests (SplitMix64), so every failure reproduces.
struct TestRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-scale, scale).
    mutating func float(_ scale: Float = 1) -> Float { (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale }
    mutating func floats(_ n: Int, _ scale: Float = 1) -> [Float] { (0..<n).map { _ in float(scale) } }
}

extension XCTestCase {
    /// Compares `analytic`, the gradient of `loss` at `x`, with central differences
    /// (loss(x + h) − loss(x − h)) / 2h at every coordinate. The loss is evaluated in float, so the
    /// tolerance is relative to the gradient's largest entry.
    func checkGradient(_ name: String, _ x: inout [Float], analytic: [Float], h: Float = 1e-2,
                       tolerance: Double = 2e-3, loss: ([Float]) -> Double,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(x.count, analytic.count, name, file: file, line: line)
        let scale = max(1e-6, analytic.map { Double(abs($0)) }.max() ?? 0)
        var worst = 0.0, at = 0
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + h
            let up = loss(x)
            x[i] = saved - h
            let down = loss(x)
            x[i] = saved
            let numeric = (up - down) / (2 * Double(h))
            let error = abs(numeric - Double(analytic[i])) / scale
            if error > worst { worst = error; at = i }
        }
        XCTAssertLessThan(worst, tolerance, "\(name): worst relative error at \(at), analytic \(analytic[at])",
                          file: file, line: line)
    }
}

/// Σ r·y in Double: a scalar loss whose gradient with respect to y is r.
func weightedSum(_ y: [Float], _ r: [Float]) -> Double { zip(y, r).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
