import TernKernels
import XCTest

/// The backward passes that sit beside TernKernels' forwards (RMSNorm, RoPE, GeGLU), each against
/// central differences of its forward.
final class KernelGradientTests: XCTestCase {
    func testRMSNormBackward() {
        var rng = TestRandom(1)
        let dim = 24, rows = 3, eps: Float = 1e-6
        var x = rng.floats(rows * dim, 2), w = rng.floats(dim, 1.5)
        let r = rng.floats(rows * dim)
        func forward(_ x: [Float], _ w: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            for t in 0..<rows { rmsNorm(x, weight: w, eps: eps, out: &y, dim: dim, row: t) }
            return y
        }
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: dim)
        for t in 0..<rows {
            x.withUnsafeBufferPointer { x in w.withUnsafeBufferPointer { w in r.withUnsafeBufferPointer { r in
                dx.withUnsafeMutableBufferPointer { dx in dw.withUnsafeMutableBufferPointer { dw in
                    rmsNormBackward(x.baseAddress! + t * dim, weight: w.baseAddress!, eps: eps, dy: r.baseAddress! + t * dim,
                                    dx: dx.baseAddress! + t * dim, dWeight: dw.baseAddress!, dim: dim)
                } }
            } } }
        }
        let w0 = w, x0 = x
        checkGradient("dx", &x, analytic: dx) { weightedSum(forward($0, w0), r) }
        checkGradient("dweight", &w, analytic: dw) { weightedSum(forward(x0, $0), r) }
    }

    func testRoPEBackwardIsTheTransposedRotation() {
        var rng = TestRandom(2)
        let rope = RoPE(headDim: 16, base: 10_000), heads = 3, position = 37
        var x = rng.floats(heads * 16)
        let r = rng.floats(heads * 16)
        var dx = r
        dx.withUnsafeMutableBufferPointer { rope.applyBackward($0.baseAddress!, heads: heads, position: position) }
        checkGradient("dx", &x, analytic: dx) { x in
            var y = x
            y.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, heads: heads, position: position) }
            return weightedSum(y, r)
        }
        // Backward after forward is the identity (a rotation is orthogonal).
        var y = x
        y.withUnsafeMutableBufferPointer {
            rope.apply($0.baseAddress!, heads: heads, position: position)
            rope.applyBackward($0.baseAddress!, heads: heads, position: position)
        }
        for (a, b) in zip(x, y) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testGeGLUBackward() {
        var rng = TestRandom(3)
        let n = 40
        var gate = rng.floats(n, 4), up = rng.floats(n, 2)
        let r = rng.floats(n)
        var dGate = [Float](repeating: 0, count: n), dUp = [Float](repeating: 0, count: n)
        gegluBackward(gate: gate, up: up, dh: r, dGate: &dGate, dUp: &dUp, n)
        func forward(_ g: [Float], _ u: [Float]) -> [Float] {
            var h = g
            geglu(&h, u, n, table: false)
            return h
        }
        let up0 = up, gate0 = gate
        checkGradient("dgate", &gate, analytic: dGate) { weightedSum(forward($0, up0), r) }
        checkGradient("dup", &up, analytic: dUp) { weightedSum(forward(gate0, $0), r) }
    }

    func testGELUDerivativeAgainstDoublePrecision() {
        // Independent of the float forward: the closed form in Double, differentiated numerically.
        func gelu(_ x: Double) -> Double { 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))) }
        for x in stride(from: -6.0, through: 6.0, by: 0.25) {
            let numeric = (gelu(x + 1e-6) - gelu(x - 1e-6)) / 2e-6
            XCTAssertEqual(Double(geluTanhDerivative(Float(x))), numeric, accuracy: 1e-5, "x = \(x)")
        }
    }
}

private func rmsNorm(_ x: [Float], weight: [Float], eps: Float, out: inout [Float], dim: Int, row t: Int) {
    x.withUnsafeBufferPointer { x in weight.withUnsafeBufferPointer { w in out.withUnsafeMutableBufferPointer { o in
        TernKernels.rmsNorm(x.baseAddress! + t * dim, weight: w.baseAddress!, eps: eps, out: o.baseAddress! + t * dim, dim: dim)
    } } }
}
