/// out = x · Wᵀ for a quantized W: the projection every linear layer performs.
///
/// x: (T, cols) floats, row-major; out: (T, rows). Rows of W are split across the pool's threads.
/// With one token (decode) each row is dotted straight from its quantized form; with several tokens
/// (prefill) a tile of rows is dequantized once and reused for every token.
public func matmul(_ w: QuantMatrix, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
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

/// Plain scalar reference for `matmul`: dequantize each row with the reference dequantizer, then
/// multiply-accumulate in order. Tests compare the fast path against it.
public func matmulReference(_ w: QuantMatrix, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                            tokens: Int) {
    var rowBuf = [Float](repeating: 0, count: w.cols)
    rowBuf.withUnsafeMutableBufferPointer { row in
        for r in 0..<w.rows {
            dequantizeRowReference(w.type, w.row(r), row.baseAddress!, count: w.cols)
            for tok in 0..<tokens {
                var s: Float = 0
                for c in 0..<w.cols { s += row[c] * x[tok * w.cols + c] }
                out[tok * w.rows + r] = s
            }
        }
    }
}
