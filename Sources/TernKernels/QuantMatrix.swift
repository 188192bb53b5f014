/// A weight matrix stored in one of ggml's formats, viewed in place (usually inside a memory-mapped
/// GGUF file). Row r holds the `cols` weights of output feature r, as ggml stores a tensor of shape
/// [ne0 = cols, ne1 = rows].
///
///     let w = QuantMatrix(type: .q8_0, rows: 262_144, cols: 640, data: pointer)
///     matmul(w, x, out, tokens: 1, pool: pool)
public struct QuantMatrix: @unchecked Sendable {
    public let type: GGMLType
    public let rows: Int       // output features
    public let cols: Int       // input features, a multiple of type.blockSize
    public let data: UnsafeRawPointer
    public let rowBytes: Int

    /// `cols` must be a whole number of blocks; the GGUF loader has already checked that.
    public init(type: GGMLType, rows: Int, cols: Int, data: UnsafeRawPointer) {
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = data
        self.rowBytes = type.rowBytes(cols) ?? 0
    }

    @inline(__always)
    public func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }

    /// Dequantizes row r into `out` (cols floats).
    public func dequantize(row r: Int, into out: UnsafeMutablePointer<Float>) {
        dequantizeRow(type, self.row(r), out, count: cols)
    }
}
