import Foundation
import XCTest
import TernCKernels
import TernKernels

final class OpsTests: XCTestCase {
    func testRMSNormByHand() {
        // x = [1, 2, 3, 4]: mean(x²) = 30/4 = 7.5, 1/√(7.5 + 0) = 0.365148…
        var x: [Float] = [1, 2, 3, 4]
        let w: [Float] = [1, 0.5, 2, -1]
        var out = [Float](repeating: 0, count: 4)
        rmsNorm(&x, weight: w, eps: 0, out: &out, dim: 4)
        let s: Float = 1 / Float(7.5).squareRoot()
        for (i, e) in [1 * s * 1, 2 * s * 0.5, 3 * s * 2, 4 * s * -1].enumerated() {
            XCTAssertEqual(out[i], e, accuracy: 1e-6)
        }
    }

    func testSoftmaxByHand() {
        var x: [Float] = [0, Float(log(2.0)), Float(log(5.0))]  // exp: 1, 2, 5 → /8
        softmax(&x, 3)
        XCTAssertEqual(x[0], 1 / 8, accuracy: 1e-6)
        XCTAssertEqual(x[1], 2 / 8, accuracy: 1e-6)
        XCTAssertEqual(x[2], 5 / 8, accuracy: 1e-6)
        let y: [Float] = [1000, 1000]
        XCTAssertEqual(logSumExp(y, 2), 1000 + log(2), accuracy: 1e-9)
    }

    func testGeluErfAgainstLibm() {
        // 0.5·x·(1 + erf(x/√2)) with libm's erf in double, over [-12, 12] and the exact zero.
        var x = (0...24_000).map { Float($0 - 12_000) / 1000 }
        let reference = x.map { 0.5 * Double($0) * (1 + erf(Double($0) / 2.0.squareRoot())) }
        geluErf(&x, x.count)
        for (i, v) in x.enumerated() {
            let input = Double(i - 12_000) / 1000
            XCTAssertEqual(Double(v), reference[i], accuracy: 3e-7 * max(abs(input), 1), "x = \(input)")
        }
        XCTAssertEqual(x[12_000], 0)
    }

    func testVectorExpAndTanhAgainstLibm() {
        var worstExp: Float = 0, worstTanh: Float = 0
        for start in stride(from: Float(-87), to: 88, by: 0.37) {
            let x = SIMD16<Float>((0..<16).map { start + Float($0) * 0.0231 })
            let e = exp16(x), t = tanh16(x * 0.1)
            for i in 0..<16 {
                worstExp = max(worstExp, abs(e[i] - expf(x[i])) / expf(x[i]))
                worstTanh = max(worstTanh, abs(t[i] - tanhf(x[i] * 0.1)))
            }
        }
        XCTAssertLessThan(worstExp, 5e-7)  // a few ulp
        XCTAssertLessThan(worstTanh, 1e-6)
        let edges = exp16(SIMD16<Float>(repeating: -200)), big = exp16(SIMD16<Float>(repeating: 200))
        XCTAssertTrue(edges[0] >= 0 && edges[0] < 1e-37 && big[0].isFinite && big[0] > 1e38)
        XCTAssertEqual(tanh16(SIMD16<Float>(repeating: 50))[0], 1)
        XCTAssertEqual(tanh16(SIMD16<Float>(repeating: -50))[0], -1)
        // geglu's 16-lane path (the first 32) and its scalar tail agree with the scalar form.
        var gate = (0..<37).map { Float($0) * 0.31 - 5 }
        let up = (0..<37).map { Float($0 % 5) - 2 }
        let expected = zip(gate, up).map { geluTanh($0) * $1 }
        geglu(&gate, up, 37, table: false)
        for (a, b) in zip(gate, expected) { XCTAssertEqual(a, b, accuracy: 2e-6 * max(1, abs(b))) }
    }

    func testGeluTanhByHand() {
        XCTAssertEqual(geluTanh(0), 0)
        // gelu_tanh(1) = 0.5·(1 + tanh(0.7978845608·1.044715)) = 0.8411920…
        XCTAssertEqual(geluTanh(1), 0.841192, accuracy: 1e-5)
        // gelu_tanh(-2) = -2·0.5·(1 + tanh(0.7978845608·(-2 - 0.35772))) = -0.0454023
        XCTAssertEqual(geluTanh(-2), -0.0454023, accuracy: 1e-5)
    }

    func testRoPENeoxPairsDimensionWithHalfWayPartner() {
        // D = 4: pairs (0, 2) at θ₀ = 1 and (1, 3) at θ₁ = base^(-2/4) = 0.01 for base 10 000.
        let rope = RoPE(headDim: 4, base: 10_000)
        var v: [Float] = [1, 2, 3, 4]
        rope.apply(&v, heads: 1, position: 3)
        let a0: Float = 3, a1: Float = 0.03
        XCTAssertEqual(v[0], 1 * cosf(a0) - 3 * sinf(a0), accuracy: 1e-5)
        XCTAssertEqual(v[2], 1 * sinf(a0) + 3 * cosf(a0), accuracy: 1e-5)
        XCTAssertEqual(v[1], 2 * cosf(a1) - 4 * sinf(a1), accuracy: 1e-5)
        XCTAssertEqual(v[3], 2 * sinf(a1) + 4 * cosf(a1), accuracy: 1e-5)
        var zero: [Float] = [1, 2, 3, 4]
        rope.apply(&zero, heads: 1, position: 0)
        XCTAssertEqual(zero, [1, 2, 3, 4])
    }

    func testDotAndAxpyMatchPlainLoops() {
        for n in [1, 15, 16, 31, 32, 33, 640, 1000] {
            let a = (0..<n).map { Float(sin(Double($0))) }, b = (0..<n).map { Float(cos(Double($0) * 0.3)) }
            var plain: Float = 0
            for i in 0..<n { plain += a[i] * b[i] }
            XCTAssertEqual(dot(a, b, n), plain, accuracy: 1e-4 * Float(n).squareRoot(), "n=\(n)")
            var y = b
            axpy(0.5, a, &y, n)
            for i in 0..<n { XCTAssertEqual(y[i], b[i] + 0.5 * a[i], accuracy: 1e-6) }
        }
    }

    /// The matmul kernels (integer dots on 8-bit activations for quantized W, float for F32/F16;
    /// one token and several; split over threads), in every kernel variant this CPU runs, against
    /// the scalar reference that dequantizes W and round-trips x through Q8_0/Q8_K in Swift.
    func testMatMulMatchesReference() {
        var rng = SystemRandomNumberGenerator()
        let isas = [String](["generic", "avx2", "avx512vnni", "neon"]).filter { tern_select_kernels($0) == 1 }
        defer { tern_select_kernels(isas.last!) }
        XCTAssertTrue(isas.contains("generic"))
        for isa in isas {
            XCTAssertEqual(tern_select_kernels(isa), 1)
            for type in [GGMLType.f32, .f16, .q4_0, .q5_0, .q8_0, .q4_K, .q5_K, .q6_K, .q4_1, .q5_1, .tq1_0, .tq2_0] {
                // 37 rows and 1, 3, 9 tokens leave partial 4×4 tiles (and AVX-512's pairs of 8-row
                // groups end on a partial group); 21 blocks of 32 leave the two-block unrolled loop
                // a tail; 3 super-blocks of 256 for the K-quants.
                let rows = 37, cols = type.blockSize == 256 ? 768 : 672
                let bytes = randomMatrixBytes(type, rows: rows, cols: cols, rng: &rng)
                bytes.withUnsafeBytes { raw in
                    let plain = QuantMatrix(type: type, rows: rows, cols: cols, data: raw.baseAddress!)
                    // Q4_0/Q5_0/Q8_0 also packed: 37 rows leave a partial group of 8, and 70 tokens
                    // cross a 64-token panel and take tiles of 8, 4, 2 and 1.
                    let forms = plain.packed().packed == nil ? [plain] : [plain, plain.packed()]
                    for w in forms {
                    for tokens in w.packed == nil ? [1, 3, 9] : [1, 3, 9, 70] {
                        let x = (0..<tokens * cols).map { _ in Float.random(in: -1...1, using: &rng) }
                        var fast = [Float](repeating: 0, count: tokens * rows)
                        var ref = fast
                        matmul(w, x, &fast, tokens: tokens, pool: ThreadPool(threads: 2),
                               scratch: ActivationBuffer(tokens: tokens, cols: cols))
                        matmulReference(w, x, &ref, tokens: tokens)
                        // Float sums of large cancelling terms: compare relative to the largest output.
                        // Q4_1/Q5_1 dot against Q8_1, whose s = d·Σq is kept in half precision (as in
                        // ggml), which the reference does not model: 1e-3 there.
                        let scale = max(1, ref.map(abs).max()!) * (type == .q4_1 || type == .q5_1 ? 100 : 1)
                        for i in 0..<ref.count {
                            XCTAssertEqual(fast[i], ref[i], accuracy: 1e-5 * scale,
                                           "\(isa) \(type) packed=\(w.packed != nil) T=\(tokens) i=\(i)")
                        }
                    }
                    }
                }
            }
        }
    }

    /// The packed layout by hand: Q8_0 rows whose quant j of row i is i·10 + j - 60 (scale 1) land
    /// at byte 32k + 4i + j' of each block for quant 4k + j', stored plus 128, after the 8 scales;
    /// padding rows (a 9-row matrix fills two groups) have scale 0 and quants that mean 0.
    func testPackedLayoutByHand() {
        let rows = 9, cols = 64
        var bytes = [UInt8]()
        for i in 0..<rows {
            for b in 0..<2 {
                bytes += [0x00, 0x3C]  // fp16 1.0, little-endian
                bytes += (0..<32).map { j in UInt8(bitPattern: Int8(i * 10 + (32 * b + j) % 40 - 60)) }
            }
        }
        bytes.withUnsafeBytes { raw in
            let w = QuantMatrix(type: .q8_0, rows: rows, cols: cols, data: raw.baseAddress!).packed()
            guard let packed = w.packed else { return XCTFail("Q8_0 has a packed form") }
            let blocks = UnsafeRawBufferPointer(start: packed.data, count: 2 * 2 * 288)  // 2 groups × 2 blocks
            for g in 0..<2 {
                for b in 0..<2 {
                    let block = blocks.baseAddress! + (2 * g + b) * 288
                    for i in 0..<8 {
                        let r = 8 * g + i
                        XCTAssertEqual(block.load(fromByteOffset: 4 * i, as: Float.self), r < rows ? 1 : 0, "g\(g) b\(b) i\(i)")
                        for k in 0..<8 {
                            for j in 0..<4 {
                                let q = r < rows ? r * 10 + (32 * b + 4 * k + j) % 40 - 60 : 0
                                XCTAssertEqual(Int(block.load(fromByteOffset: 32 + 32 * k + 4 * i + j, as: UInt8.self)), q + 128,
                                               "g\(g) b\(b) row \(r) quant \(4 * k + j)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// One input shared by matrices of different formats (as Q, K, V share the normed input) is
    /// quantized once per activation format and gives each product its own correct result.
    func testSharedInputServesMatricesOfEveryFormat() {
        var rng = SystemRandomNumberGenerator()
        let rows = 9, cols = 768, tokens = 5, pool = ThreadPool(threads: 2)
        let scratch = ActivationBuffer(tokens: tokens, cols: cols)
        let x = (0..<tokens * cols).map { _ in Float.random(in: -1...1, using: &rng) }
        let types: [GGMLType] = [.q5_0, .q4_K, .q8_0, .f32, .q6_K]
        let matrices = types.map { randomMatrixBytes($0, rows: rows, cols: cols, rng: &rng) }
        x.withUnsafeBufferPointer { xp in
            let input = scratch.input(xp.baseAddress!, tokens: tokens, cols: cols)
            for (type, bytes) in zip(types, matrices) {
                bytes.withUnsafeBytes { raw in
                    let w = QuantMatrix(type: type, rows: rows, cols: cols, data: raw.baseAddress!)
                    var fast = [Float](repeating: 0, count: tokens * rows), ref = fast
                    matmul(w, input, &fast, pool: pool)
                    matmulReference(w, xp.baseAddress!, &ref, tokens: tokens)
                    let scale = max(1, ref.map(abs).max()!)
                    for i in 0..<ref.count { XCTAssertEqual(fast[i], ref[i], accuracy: 1e-5 * scale, "\(type) i=\(i)") }
                }
            }
        }
    }

    /// Q8_0 activation rounding by hand: block max 2.54 gives d = 0.02, so 1.0 → 50 · 0.02 and a
    /// value exactly halfway between steps (0.03 = 1.5 d) rounds to the even step 2 d.
    func testActivationRoundTripByHand() {
        var x = [Float](repeating: 0, count: 32)
        x[0] = 2.54; x[1] = 1.0; x[2] = -2.54
        activationRoundTripReference(&x, kQuant: false)
        let d = halfToFloat(floatToHalf(0.02))
        XCTAssertEqual(x[0], 127 * d, accuracy: 1e-6)
        XCTAssertEqual(x[1], 50 * d, accuracy: 1e-6)
        XCTAssertEqual(x[2], -127 * d, accuracy: 1e-6)
        // Q8_K: the largest-magnitude element (negative here) maps to -127 · d with d = max/-127.
        var k = [Float](repeating: 0, count: 256)
        k[0] = -4; k[5] = 2
        activationRoundTripReference(&k, kQuant: true)
        XCTAssertEqual(k[0], -4, accuracy: 1e-6)
        XCTAssertEqual(k[5], 4 * 64 / 127, accuracy: 1e-6)  // 2 · 127/4 = 63.5 rounds to even 64
    }

    /// Random blocks whose float16 scale fields hold small finite values, so sums stay finite.
    private func randomMatrixBytes(_ type: GGMLType, rows: Int, cols: Int,
                                   rng: inout SystemRandomNumberGenerator) -> [UInt8] {
        if type == .f32 {
            return (0..<rows * cols).flatMap { _ in withUnsafeBytes(of: Float.random(in: -1...1, using: &rng)) { Array($0) } }
        }
        if type == .f16 {
            return (0..<rows * cols).flatMap { _ in withUnsafeBytes(of: floatToHalf(Float.random(in: -1...1, using: &rng))) { Array($0) } }
        }
        var bytes = (0..<rows * type.rowBytes(cols)!).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let halfOffsets: [Int]  // where each block keeps its fp16 scales
        switch type {
        case .q8_0, .q5_0, .q4_0: halfOffsets = [0]
        case .q4_K, .q5_K, .q4_1, .q5_1: halfOffsets = [0, 2]
        case .q6_K: halfOffsets = [208]
        case .tq1_0: halfOffsets = [52]
        case .tq2_0: halfOffsets = [64]
        default: halfOffsets = []
        }
        for b in 0..<bytes.count / type.blockBytes {
            if type == .tq2_0 {  // ternary: every 2-bit field is 0, 1 or 2 (ggml never writes 3)
                for i in b * type.blockBytes..<b * type.blockBytes + 64 {
                    bytes[i] = (0..<4).reduce(0) { $0 | ((bytes[i] >> (2 * $1) & 3) % 3) << (2 * $1) }
                }
            }
            for o in halfOffsets {
                let h = floatToHalf(Float.random(in: 0.001...0.02, using: &rng))
                bytes[b * type.blockBytes + o] = UInt8(h & 0xFF)
                bytes[b * type.blockBytes + o + 1] = UInt8(h >> 8)
            }
        }
        return bytes
    }

    func testThreadPoolCoversEveryIndexOnce() {
        let pool = ThreadPool(threads: 3)
        for n in [1, 2, 3, 7, 100] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: n)
            hits.initialize(repeating: 0, count: n)
            pool.parallelFor(n) { r in for i in r { hits[i] += 1 } }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: hits, count: n)), Array(repeating: 1, count: n))
            hits.deallocate()
        }
    }
}
