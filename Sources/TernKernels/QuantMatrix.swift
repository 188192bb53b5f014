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
    /// The rows interleaved for fast products, when `packed(done:)` made them; `matmul` then
    /// reads only these.
    public private(set) var packed: PackedMatrix?

    /// `cols` must be a whole number of blocks; the GGUF loader has already checked that.
    public init(type: GGMLType, rows: Int, cols: Int, data: UnsafeRawPointer) {
        self.type = type
        self.rows = rows
        self.cols = cols
        self.data = data
        self.rowBytes = type.rowBytes(cols) ?? 0
    }

    /// This matrix with a packed copy that `matmul` uses instead of the rows, when its type has
    /// one (see `PackedMatrix`). `done` is told of each slice of the rows once it is copied.
    public func packed(done: (UnsafeRawPointer, Int) -> Void = { _, _ in }) -> QuantMatrix {
        var m = self
        m.packed = PackedMatrix(self, done: done)
        return m
    }

    @inline(__always)
    public func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }

    /// Dequantizes row r into `out` (cols floats).
    public func dequantize(row r: Int, into out: UnsafeMutablePointer<Float>) {
        dequantizeRow(type, self.row(r), out, count: cols)
    }
}
