import TernCKernels

/// out = x · Wᵀ for a quantized W: the projection every linear layer performs.
///
/// x: (T, cols) floats, row-major; out: (T, rows). As in ggml, a quantized W is applied by first
/// quantizing each row of x to 8 bits (Q8_0 for Q4_0/Q5_0/Q8_0 weights, Q8_K for K-quants) and
/// then taking integer dot products (TernCKernels); float W (F32/F16/BF16) is dotted in float.
/// Rows of W are split across the pool's threads.
///
///     let scratch = ActivationBuffer(tokens: 512, cols: 2048)
///     matmul(w, x, out, tokens: T, pool: pool, scratch: scratch)
public func matmul(_ w: QuantMatrix, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                   tokens: Int, pool: ThreadPool, scratch: ActivationBuffer) {
    matmul(w, scratch.input(x, tokens: tokens, cols: w.cols), out, pool: pool)
}

/// out = x · Wᵀ for an input shared by several matrices: x is quantized to each activation format
/// at most once, however many of the matrices use it.
///
///     let input = scratch.input(xn, tokens: T, cols: C)
///     matmul(wq, input, q, pool: pool); matmul(wk, input, k, pool: pool)
public func matmul(_ w: QuantMatrix, _ input: MatMulInput, _ out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
    precondition(input.cols == w.cols, "matmul of \(w.rows)×\(w.cols) weights with \(input.cols)-wide input")
    let type = Int32(w.type.rawValue), rows = w.rows, tokens = input.tokens
    guard let (a, rowBytes) = input.buffer.quantized(input, for: type, pool: pool) else {
        floatMatmul(w, input.x, out, tokens: tokens, pool: pool)
        return
    }
    if let packed = w.packed {
        pool.parallelFor(packed.groups, grain: 2) { groups in
            tern_matmul_packed(type, packed.data, Int64(rows), Int64(groups.lowerBound), Int64(groups.upperBound),
                               a, rowBytes, Int64(tokens), Int64(input.cols), out, Int64(rows))
        }
        return
    }
    pool.parallelFor(rows, grain: 16) { range in
        tern_matmul_rows(type, w.data, w.rowBytes, Int64(range.lowerBound), Int64(range.upperBound),
                         a, rowBytes, Int64(tokens), Int64(input.cols), out, Int64(rows))
    }
}

/// Several products that read row ranges of one input, in a single dispatch to the pool:
/// out_i = x[rows_i] · W_iᵀ. A mixture of experts multiplies each expert's few tokens by small
/// matrices; one dispatch for all of them (their row groups dealt out together) instead of one per
/// matrix keeps the threads busy rather than waiting on each other. x is quantized once per
/// activation format for all of them.
///
///     let input = scratch.input(gathered, tokens: R, cols: C)   // tokens grouped by expert
///     matmul([(gate[e], rows, g + rows.lowerBound * F), …], input, pool: pool)
public func matmul(_ products: [(w: QuantMatrix, rows: Range<Int>, out: UnsafeMutablePointer<Float>)], _ input: MatMulInput,
                   pool: ThreadPool) {
    typealias Unit = (product: Int, lo: Int, hi: Int)  // row groups (packed) or rows of W
    var units: [Unit] = [], quantized: [(UnsafeMutableRawPointer, Int)?] = []
    for (i, p) in products.enumerated() {
        precondition(input.cols == p.w.cols && p.rows.upperBound <= input.tokens, "matmul slice does not fit its input")
        let q = input.buffer.quantized(input, for: Int32(p.w.type.rawValue), pool: pool)
        quantized.append(q)
        if p.rows.isEmpty { continue }
        if q == nil {
            units.append((i, 0, p.w.rows))  // float weights (rare here): the whole product as one unit
        } else if let packed = p.w.packed {
            for g in stride(from: 0, to: packed.groups, by: 4) { units.append((i, g, min(packed.groups, g + 4))) }
        } else {
            for r in stride(from: 0, to: p.w.rows, by: 32) { units.append((i, r, min(p.w.rows, r + 32))) }
        }
    }
    pool.parallelFor(units.count) { range in
        for u in units[range] {
            let p = products[u.product], w = p.w, type = Int32(w.type.rawValue), tokens = p.rows.count
            guard let (a, rowBytes) = quantized[u.product] else {
                let x = input.x + p.rows.lowerBound * w.cols
                for t in 0..<tokens { for r in 0..<w.rows { p.out[t * w.rows + r] = dotRow(w.type, w.row(r), x + t * w.cols, count: w.cols) } }
                continue
            }
            let rowsOfA = a + p.rows.lowerBound * rowBytes
            if let packed = w.packed {
                tern_matmul_packed(type, packed.data, Int64(w.rows), Int64(u.lo), Int64(u.hi), rowsOfA, rowBytes, Int64(tokens),
                                   Int64(w.cols), p.out, Int64(w.rows))
            } else {
                tern_matmul_rows(type, w.data, w.rowBytes, Int64(u.lo), Int64(u.hi), rowsOfA, rowBytes, Int64(tokens),
                                 Int64(w.cols), p.out, Int64(w.rows))
            }
        }
    }
}

/// Float weights: one fused dot per row for a single token; for several tokens a tile of rows is
/// converted to float once and reused for every token.
private func floatMatmul(_ w: QuantMatrix, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                         tokens: Int, pool: ThreadPool) {
    let rows = w.rows, cols = w.cols
    if w.type == .f32, let packed = w.packed {  // 16-row panels: the C kernel's register tiles
        let panels = UnsafePointer(packed.data.assumingMemoryBound(to: Float.self))
        pool.parallelFor(packed.groups, grain: 2) { p in
            tern_matmul_f32(panels, Int64(rows), Int64(p.lowerBound), Int64(p.upperBound), Int64(cols), x, Int64(tokens), out, Int64(rows))
        }
        return
    }
    if tokens == 1 {
        pool.parallelFor(rows, grain: 64) { range in
            for r in range { out[r] = dotRow(w.type, w.row(r), x, count: cols) }
        }
        return
    }
    let tile = 4
    pool.parallelFor((rows + tile - 1) / tile) { tiles in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: tile * cols) { scratch in
            let buf = scratch.baseAddress!  // (tile, cols)
            for t in tiles {
                let r0 = t * tile, n = min(tile, rows - r0)
                for i in 0..<n { w.dequantize(row: r0 + i, into: buf + i * cols) }
                for tok in 0..<tokens {
                    let xt = x + tok * cols, ot = out + tok * rows + r0
                    for i in 0..<n { ot[i] = dot(buf + i * cols, xt, cols) }
                }
            }
        }
    }
}

/// Scratch for `matmul`: room for `tokens` rows of up to `cols` activations quantized to Q8_0 and
/// to Q8_K. One buffer serves every matmul of a forward pass, so the pass allocates nothing.
public final class ActivationBuffer: @unchecked Sendable {  // owned by one forward pass at a time
    private let q8_0: UnsafeMutableRawPointer, q8_K: UnsafeMutableRawPointer
    /// Q8_1, for the rare Q4_1/Q5_1 weights: allocated on first use.
    private var q8_1: UnsafeMutableRawPointer?
    public let tokens: Int, cols: Int
    private var generation = 0
    private var holds: UInt32 = 0  // bit f set: quantized to format f (a ggml type number) for the current input

    public init(tokens: Int, cols: Int) {
        self.tokens = max(1, tokens)
        self.cols = cols
        q8_0 = .allocate(byteCount: self.tokens * ((cols + 31) / 32) * 34, alignment: 64)
        q8_K = .allocate(byteCount: self.tokens * ((cols + 255) / 256) * 292, alignment: 64)
    }

    deinit {
        q8_0.deallocate()
        q8_1?.deallocate()
        q8_K.deallocate()
    }

    /// Makes x (tokens, cols) the buffer's input; the quantized forms of any earlier input are gone.
    public func input(_ x: UnsafePointer<Float>, tokens: Int, cols: Int) -> MatMulInput {
        precondition(tokens <= self.tokens && cols <= self.cols, "activation buffer too small for \(tokens)×\(cols)")
        generation += 1
        holds = 0
        return MatMulInput(x: x, tokens: tokens, cols: cols, buffer: self, generation: generation)
    }

    /// The input quantized for weights of ggml type `weightType` (quantizing it on first request),
    /// as (rows, bytes per row); nil for float weights.
    func quantized(_ input: MatMulInput, for weightType: Int32, pool: ThreadPool) -> (UnsafeMutableRawPointer, Int)? {
        precondition(input.generation == generation, "matmul input was replaced by a later one")
        let format = tern_activation_type(weightType)
        guard format >= 0 else { return nil }
        let bytes: UnsafeMutableRawPointer
        switch format {
        case Int32(TERN_TYPE_Q8_K): bytes = q8_K
        case Int32(TERN_TYPE_Q8_1):
            if q8_1 == nil { q8_1 = .allocate(byteCount: tokens * ((cols + 31) / 32) * 36, alignment: 64) }
            bytes = q8_1!
        default: bytes = q8_0
        }
        let rowBytes = tern_activation_row_bytes(weightType, Int64(input.cols))
        if holds & (1 << UInt32(format)) == 0 {
            let x = input.x, cols = input.cols
            pool.parallelFor(input.tokens, grain: 32) { range in
                for t in range { tern_quantize_activations(weightType, x + t * cols, bytes + t * rowBytes, Int64(cols)) }
            }
            holds |= 1 << UInt32(format)
        }
        return (bytes, rowBytes)
    }
}

/// Activations (tokens, cols) registered with an `ActivationBuffer`, to be multiplied by one or
/// more weight matrices.
public struct MatMulInput {
    public let x: UnsafePointer<Float>
    public let tokens: Int, cols: Int
    let buffer: ActivationBuffer
    let generation: Int
}

/// Plain scalar reference for `matmul`: each row of x is quantized and dequantized as ggml does
/// (`activationRoundTripReference`; Q8_1 for Q4_1/Q5_1 rounds like Q8_0), each row of W is
/// dequantized by the reference dequantizer,
/// and the products are summed in order. Tests compare the kernels against it.
public func matmulReference(_ w: QuantMatrix, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                            tokens: Int) {
    var row = [Float](repeating: 0, count: w.cols)
    var xs = [Float](repeating: 0, count: w.cols)
    for tok in 0..<tokens {
        for c in 0..<w.cols { xs[c] = x[tok * w.cols + c] }
        if w.type.blockSize > 1 { activationRoundTripReference(&xs, kQuant: w.type.blockSize == 256) }
        for r in 0..<w.rows {
            row.withUnsafeMutableBufferPointer { dequantizeRowReference(w.type, w.row(r), $0.baseAddress!, count: w.cols) }
            var s: Float = 0
            for c in 0..<w.cols { s += row[c] * xs[c] }
            out[tok * w.rows + r] = s
        }
    }
}

/// What 8-bit activation quantization leaves of `x`, in plain Swift: Q8_0 blocks of 32 with scale
/// max|x|/127 rounded to half precision, or Q8_K blocks of 256 where the largest-magnitude
/// element maps to -127 and the scale stays a float. Rounding is to nearest even.
public func activationRoundTripReference(_ x: inout [Float], kQuant: Bool) {
    let block = kQuant ? 256 : 32
    for b in stride(from: 0, to: x.count, by: block) {
        var amax: Float = 0, signedMax: Float = 0
        for j in b..<b + block where abs(x[j]) > amax { amax = abs(x[j]); signedMax = x[j] }
        if kQuant {
            guard amax != 0 else { for j in b..<b + block { x[j] = 0 }; continue }
            let iscale = -127 / signedMax, d = 1 / iscale
            for j in b..<b + block { x[j] = d * min(127, (iscale * x[j]).rounded(.toNearestOrEven)) }
        } else {
            let id: Float = amax != 0 ? 127 / amax : 0, d = halfToFloat(floatToHalf(amax / 127))
            for j in b..<b + block { x[j] = d * (x[j] * id).rounded(.toNearestOrEven) }
        }
    }
}
