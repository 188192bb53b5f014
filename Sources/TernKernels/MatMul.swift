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
    let type = Int32(w.type.rawValue), rows = w.rows, cols = w.cols
    guard tern_activation_type(type) >= 0 else {
        floatMatmul(w, x, out, tokens: tokens, pool: pool)
        return
    }
    let rowBytes = tern_activation_row_bytes(type, Int64(cols))
    precondition(tokens * rowBytes <= scratch.capacity, "activation buffer too small for \(tokens)×\(cols)")
    let a = scratch.bytes
    pool.parallelFor(tokens, grain: 32) { range in
        for t in range { tern_quantize_activations(type, x + t * cols, a + t * rowBytes, Int64(cols)) }
    }
    pool.parallelFor(rows, grain: 16) { range in
        tern_matmul_rows(type, w.data, w.rowBytes, Int64(range.lowerBound), Int64(range.upperBound),
                         a, rowBytes, Int64(tokens), Int64(cols), out, Int64(rows))
    }
}

/// Float weights: one fused dot per row for a single token; for several tokens a tile of rows is
/// converted to float once and reused for every token.
private func floatMatmul(_ w: QuantMatrix, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                         tokens: Int, pool: ThreadPool) {
    let rows = w.rows, cols = w.cols
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

/// Scratch for `matmul`: room for `tokens` rows of up to `cols` quantized activations. One buffer
/// serves every matmul of a forward pass, so the pass allocates nothing.
public final class ActivationBuffer: @unchecked Sendable {
    public let bytes: UnsafeMutableRawPointer
    public let capacity: Int

    public init(tokens: Int, cols: Int) {
        // A Q8_K block (292 bytes per 256) is the largest activation format per element.
        capacity = max(1, tokens) * ((cols + 255) / 256) * 292
        bytes = .allocate(byteCount: capacity, alignment: 64)
    }

    deinit { bytes.deallocate() }
}

/// Plain scalar reference for `matmul`: each row of x is quantized and dequantized as ggml does
/// (`activationRoundTripReference`), each row of W is dequantized by the reference dequantizer,
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
