import Foundation
import TernKernels
import TernTraining
import XCTest

/// Training's own ops: linear layers (float and frozen quantized), the fused chunked
/// cross-entropy and whole-sequence attention, each against a plain reference and central
/// differences.
final class TrainingOpsTests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    private func dense(_ values: [Float], rows: Int, cols: Int, trainable: Bool = true) -> DenseLinear {
        denseLayer(values, rows: rows, cols: cols, trainable: trainable)
    }

    private func forward(_ layer: Linear, _ x: [Float], tokens: Int) -> [Float] { forwardLayer(layer, x, tokens: tokens, pool: pool) }

    func testDenseLinearGradients() {
        var rng = TestRandom(10)
        let rows = 7, cols = 19, T = 5
        var w = rng.floats(rows * cols), x = rng.floats(T * cols)
        let r = rng.floats(T * rows)
        let layer = dense(w, rows: rows, cols: cols)
        var dx = [Float](repeating: 0, count: T * cols)
        layer.backward(r, input: x, tokens: T, dx: &dx, pool: pool)
        // The forward against a plain triple loop.
        let y = forward(layer, x, tokens: T)
        for t in 0..<T { for o in 0..<rows {
            let expected = (0..<cols).reduce(Float(0)) { $0 + x[t * cols + $1] * w[o * cols + $1] }
            XCTAssertEqual(y[t * rows + o], expected, accuracy: 1e-5)
        } }
        let w0 = w, x0 = x
        checkGradient("dx", &x, analytic: dx) { weightedSum(self.forward(self.dense(w0, rows: rows, cols: cols), $0, tokens: T), r) }
        checkGradient("dW", &w, analytic: layer.weight.grads) {
            weightedSum(self.forward(self.dense($0, rows: rows, cols: cols), x0, tokens: T), r)
        }
    }

    /// DenseLinear's panel products against the plain `Gemm` loops: more rows than one block of 64,
    /// columns that fill no panel, gradients added to what is there.
    func testDenseLinearPanelsMatchThePlainProducts() {
        var rng = TestRandom(14)
        let rows = 70, cols = 37, T = 13
        let w = rng.floats(rows * cols), x = rng.floats(T * cols), dy = rng.floats(T * rows)
        let layer = dense(w, rows: rows, cols: cols)
        var y = [Float](repeating: 0, count: T * rows), y0 = y
        layer.forward(x, tokens: T, out: &y, pool: pool)
        Gemm.abt(x, w, &y0, m: T, n: rows, k: cols, pool: pool)
        for (a, b) in zip(y, y0) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        let start = rng.floats(T * cols), gradStart = rng.floats(rows * cols)
        var dx = start, dx0 = start, dW0 = gradStart
        layer.weight.grad.update(from: gradStart, count: rows * cols)
        layer.backward(dy, input: x, tokens: T, dx: &dx, pool: pool)
        Gemm.ab(dy, w, &dx0, m: T, n: cols, k: rows, accumulate: true, pool: pool)
        Gemm.atb(dy, x, &dW0, m: rows, n: cols, k: T, accumulate: true, pool: pool)
        for (a, b) in zip(dx, dx0) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        for (a, b) in zip(layer.weight.grads, dW0) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
    }

    func testFrozenQuantizedLinearMatchesItsDequantizedFloatWeights() {
        // A Q8_0 matrix: each block of 32 weights is an fp16 scale and 32 signed bytes.
        var rng = TestRandom(11)
        let rows = 70, cols = 96, T = 13  // 70 rows: more than one block of 64 rows; 13 tokens: more than one tile
        let bytes = randomQ8_0(blocks: rows * cols / 32, &rng)
        let x = rng.floats(T * cols), r = rng.floats(T * rows)
        bytes.withUnsafeBytes { raw in
            let matrix = QuantMatrix(type: .q8_0, rows: rows, cols: cols, data: raw.baseAddress!)
            var w = [Float](repeating: 0, count: rows * cols)
            for o in 0..<rows { w.withUnsafeMutableBufferPointer { matrix.dequantize(row: o, into: $0.baseAddress! + o * cols) } }
            let frozen = FrozenLinear(matrix), reference = dense(w, rows: rows, cols: cols, trainable: false)  // itself checked against Gemm above
            for (a, b) in zip(forward(frozen, x, tokens: T), forward(reference, x, tokens: T)) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
            var dx1 = [Float](repeating: 0.5, count: T * cols), dx2 = dx1
            frozen.backward(r, input: x, tokens: T, dx: &dx1, pool: pool)
            reference.backward(r, input: x, tokens: T, dx: &dx2, pool: pool)
            for (a, b) in zip(dx1, dx2) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
            XCTAssertTrue(frozen.parameters.isEmpty)
        }
    }

    /// `integerBackward`: dx = dy·W as an integer product of 8-bit dy against Wᵀ re-quantized to
    /// Q8_0: within 2% of the float gradient (relative to its norm), for tiny gradients too, still added to dx; a matrix
    /// whose rows are no whole number of blocks keeps the float path.
    func testFrozenLinearIntegerBackwardIsCloseToTheFloatGradient() {
        var rng = TestRandom(14)
        let rows = 96, cols = 64, T = 13
        let bytes = randomQ8_0(blocks: rows * cols / 32, &rng)
        let x = rng.floats(T * cols), r = rng.floats(T * rows)
        bytes.withUnsafeBytes { raw in
            let matrix = QuantMatrix(type: .q8_0, rows: rows, cols: cols, data: raw.baseAddress!)
            let integer = FrozenLinear(matrix, integerBackward: true, pool: pool), float = FrozenLinear(matrix)
            XCTAssertTrue(integer.integerBackward)
            XCTAssertFalse(FrozenLinear(QuantMatrix(type: .q8_0, rows: 70, cols: cols, data: raw.baseAddress!), integerBackward: true, pool: pool).integerBackward)
            for size: Float in [1, 1e-7] {  // 1e-7: gradients whose Q8_0 scales would be fp16 subnormals
                let dy = r.map { $0 * size }
                var dx1 = [Float](repeating: 0.5 * size, count: T * cols), dx2 = dx1
                integer.backward(dy, input: x, tokens: T, dx: &dx1, pool: pool)
                float.backward(dy, input: x, tokens: T, dx: &dx2, pool: pool)
                let error = zip(dx1, dx2).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
                let norm = dx2.reduce(0.0) { $0 + Double(($1 - 0.5 * size) * ($1 - 0.5 * size)) }.squareRoot()
                XCTAssertLessThan(error / norm, 0.02, "gradients of size \(size)")
                XCTAssertGreaterThan(error, 0, "the products were quantized")
            }
        }
    }

    /// Random Q8_0 blocks: each an fp16 scale and 32 signed bytes.
    private func randomQ8_0(blocks: Int, _ rng: inout TestRandom) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<blocks {
            let d = floatToHalf(0.01 + abs(rng.float(0.02)))
            bytes += [UInt8(d & 0xFF), UInt8(d >> 8)]
            bytes += (0..<32).map { _ in UInt8(bitPattern: Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127)) }
        }
        return bytes
    }

    /// Cross-entropy in Double from explicit logits, as a reference.
    private func referenceNLL(_ h: [Float], _ w: [Float], targets: [Int], C: Int, V: Int) -> Double {
        var total = 0.0
        for (t, target) in targets.enumerated() where target >= 0 {
            let z = (0..<V).map { o in (0..<C).reduce(0.0) { $0 + Double(h[t * C + $1]) * Double(w[o * C + $1]) } }
            let m = z.max()!
            total += m + log(z.reduce(0) { $0 + exp($1 - m) }) - z[target]
        }
        return total
    }

    func testFusedCrossEntropyMatchesFullLogitsAndItsGradients() {
        var rng = TestRandom(12)
        let C = 12, V = 37, T = 9
        var h = rng.floats(T * C, 2), w = rng.floats(V * C)
        let targets = [3, -1, 0, 36, 5, -1, 17, 17, 2]  // two tokens without a target
        let counted = Float(targets.filter { $0 >= 0 }.count)
        for chunk in [1, 3, 64] {
            let head = dense(w, rows: V, cols: C)
            var dh = [Float](repeating: 0, count: T * C)
            let nll = FusedCrossEntropy(chunk: chunk)(hidden: h, targets: targets, output: head, gradScale: 1 / counted,
                                                     dHidden: &dh, pool: pool)
            XCTAssertEqual(nll, referenceNLL(h, w, targets: targets, C: C, V: V), accuracy: 1e-4, "chunk \(chunk)")
            for t in [1, 5] { XCTAssertEqual(Array(dh[t * C..<(t + 1) * C]), [Float](repeating: 0, count: C)) }
            guard chunk == 3 else { continue }
            let h0 = h, w0 = w
            checkGradient("dh", &h, analytic: dh) { self.referenceNLL($0, w0, targets: targets, C: C, V: V) / Double(counted) }
            checkGradient("dW", &w, analytic: head.weight.grads) { self.referenceNLL(h0, $0, targets: targets, C: C, V: V) / Double(counted) }
        }
    }

    func testCrossEntropyWithoutTargetsIsZero() {
        let head = dense([1, 2, 3, 4], rows: 2, cols: 2)
        XCTAssertEqual(FusedCrossEntropy()(hidden: [1, 1], targets: [-1], output: head, dHidden: nil, pool: pool), 0)
    }

    /// Attention with an explicit mask, in Double: the reference for the forward pass.
    private func referenceAttention(_ a: TrainingAttention, q: [Float], k: [Float], v: [Float], starts: [Int]) -> [Float] {
        let T = starts.count, H = a.heads, D = a.headDim, group = H / a.kvHeads, kvDim = a.kvHeads * D
        var out = [Float](repeating: 0, count: T * H * D)
        for t in 0..<T { for h in 0..<H {
            let g = h / group
            let keys = (0...t).filter { j in starts[j] == starts[t] && (a.window.map { t - j < $0 } ?? true) }
            let s = keys.map { j in Double(a.scale) * (0..<D).reduce(0.0) { $0 + Double(q[t * H * D + h * D + $1]) * Double(k[j * kvDim + g * D + $1]) } }
            let m = s.max()!, e = s.map { exp($0 - m) }, sum = e.reduce(0, +)
            for d in 0..<D {
                out[t * H * D + h * D + d] = Float(zip(keys, e).reduce(0.0) { $0 + $1.1 / sum * Double(v[$1.0 * kvDim + g * D + d]) })
            }
        } }
        return out
    }

    func testAttentionForwardAndBackward() {
        var rng = TestRandom(13)
        // Two packed sequences (5 and 6 tokens), 4 query heads sharing 2 KV heads, a window of 3.
        let starts = [0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5], T = starts.count
        for window in [nil, 3] as [Int?] {
            let a = TrainingAttention(heads: 4, kvHeads: 2, headDim: 8, window: window, scale: 0.35)
            var q = rng.floats(T * 32), k = rng.floats(T * 16), v = rng.floats(T * 16)
            let r = rng.floats(T * 32)
            func run(_ q: [Float], _ k: [Float], _ v: [Float]) -> (out: [Float], lse: [Float]) {
                var out = [Float](repeating: 0, count: T * 32), lse = [Float](repeating: 0, count: T * 4)
                a.forward(q: q, k: k, v: v, starts: starts, out: &out, lse: &lse, pool: pool)
                return (out, lse)
            }
            let (out, lse) = run(q, k, v)
            for (x, y) in zip(out, referenceAttention(a, q: q, k: k, v: v, starts: starts)) { XCTAssertEqual(x, y, accuracy: 1e-5) }
            var dq = [Float](repeating: 9, count: T * 32), dk = [Float](repeating: 9, count: T * 16), dv = dk
            a.backward(q: q, k: k, v: v, starts: starts, out: out, lse: lse, dout: r, dq: &dq, dk: &dk, dv: &dv, pool: pool)
            let q0 = q, k0 = k, v0 = v
            checkGradient("dq \(String(describing: window))", &q, analytic: dq) { weightedSum(run($0, k0, v0).out, r) }
            checkGradient("dk \(String(describing: window))", &k, analytic: dk) { weightedSum(run(q0, $0, v0).out, r) }
            checkGradient("dv \(String(describing: window))", &v, analytic: dv) { weightedSum(run(q0, k0, $0).out, r) }
        }
    }
}
