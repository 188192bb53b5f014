import TernKernels
import TernTraining
import XCTest

/// Seeded numbers for the gradient tests, so every failure reproduces.
struct TestRandom {
    var generator: SplitMix64
    init(_ seed: UInt64) { generator = SplitMix64(seed) }
    mutating func next() -> UInt64 { generator.next() }
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

/// A float layer with the given weights (rows, cols), trained or not.
func denseLayer(_ values: [Float], rows: Int, cols: Int, trainable: Bool = true) -> DenseLinear {
    let p = Parameter("w", shape: [cols, rows])
    p.set(values)
    return DenseLinear(p, rows: rows, cols: cols, trainable: trainable)
}

/// y = layer(x) for T tokens, as an array.
func forwardLayer(_ layer: Linear, _ x: [Float], tokens: Int, pool: ThreadPool) -> [Float] {
    var y = [Float](repeating: 0, count: tokens * layer.rows)
    layer.forward(x, tokens: tokens, out: &y, pool: pool)
    return y
}

/// Asserts that `got` points the way `reference` does (cosine ≥ 0.9999) with a norm within 0.1%:
/// the bar for gradients against PyTorch.
func assertMatchesReference(_ got: [Float], _ reference: [Float], _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    let dot = zip(got, reference).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let n1 = got.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    let n2 = reference.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    XCTAssertGreaterThan(dot / (n1 * n2), 0.9999, name, file: file, line: line)
    XCTAssertEqual(n1, n2, accuracy: 1e-3 * n2, "\(name) gradient norm", file: file, line: line)
}
