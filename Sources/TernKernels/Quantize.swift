import TernCKernels

extension GGMLType {
    /// Whether `quantizeRows` can produce this type (ggml's reference quantizers, quantize.c).
    public var canQuantize: Bool {
        switch self {
        case .q8_0, .q4_0, .q5_0, .q4_1, .q5_1, .q4_K, .q5_K, .q6_K, .tq1_0, .tq2_0: return true
        case .f32, .f16, .bf16: return false
        }
    }
}

/// Quantizes `rows` rows of `cols` floats into `dst` (`rows × type.rowBytes(cols)` bytes) with
/// ggml's reference arithmetic, so the bytes equal llama-quantize's without an importance matrix.
/// Rows are split over `pool`'s threads; each block depends only on its own elements.
///
///     let x: [Float] = …                       // 4 rows of 256
///     var q = [UInt8](repeating: 0, count: 4 * GGMLType.q4_K.rowBytes(256)!)
///     quantizeRows(x, rows: 4, cols: 256, to: .q4_K, into: &q)
public func quantizeRows(_ x: UnsafePointer<Float>, rows: Int, cols: Int, to type: GGMLType,
                         into dst: UnsafeMutableRawPointer, pool: ThreadPool? = nil) {
    precondition(type.canQuantize, "\(type) has no quantizer")
    guard let rowBytes = type.rowBytes(cols) else { preconditionFailure("\(cols) columns are not whole \(type) blocks") }
    let body = { (range: Range<Int>) in
        let done = tern_quantize_rows(Int32(type.rawValue), x + range.lowerBound * cols, dst + range.lowerBound * rowBytes,
                                      Int64(range.count), Int64(cols))
        precondition(done == 1)
    }
    if let pool, rows > 1 {
        pool.parallelFor(rows, grain: max(1, 65536 / max(cols, 1)), body)
    } else {
        body(0..<rows)
    }
}

/// `quantizeRows` over Swift arrays.
public func quantizeRows(_ x: [Float], rows: Int, cols: Int, to type: GGMLType) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: rows * (type.rowBytes(cols) ?? 0))
    x.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBytes { quantizeRows(src.baseAddress!, rows: rows, cols: cols, to: type, into: $0.baseAddress!) }
    }
    return out
}
