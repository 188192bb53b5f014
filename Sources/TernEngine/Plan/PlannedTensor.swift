import TernCKernels
import TernGGUF

/// One weight tensor as the planner sees it: its shape, how it is stored, and what it costs.
///
/// `shape` is in ggml order (row length first): a matrix [cols, rows], a stack of experts
/// [cols, rows, experts].
///
///     let t = PlannedTensor(name: "blk.0.ffn_up.weight", shape: [2048, 8192], storage: .of(12))
///     t.ternBytes     // the bytes Tern's kernels read per product: the packed Q4_K form
public struct PlannedTensor: Sendable {
    public let name: String
    public let shape: [Int]
    /// The storage type: the file's (GGUF), or the checkpoint's float type (config.json).
    public let storage: GGMLTypeTraits
    public let part: ParameterPart

    public init(name: String, shape: [Int], storage: GGMLTypeTraits) {
        self.name = name
        self.shape = shape
        self.storage = storage
        part = ParameterPart(name)
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var cols: Int { shape.first ?? 1 }
    public var rows: Int { shape.count > 1 ? shape[1] : 1 }
    /// How many (rows × cols) matrices the tensor stacks: experts, or MLA's per-head factors.
    public var stacked: Int { shape.dropFirst(2).reduce(1, *) }
    /// A weight matrix that a product multiplies by (not a norm, a bias, a per-head scalar or
    /// Mamba's depthwise convolution).
    public var isMatrix: Bool {
        guard shape.count >= 2, rows > 1, cols > 1, !name.contains("conv1d") else { return false }
        return [.attention, .ssm, .mlp, .experts, .embedding, .output].contains(part)
    }

    /// Bytes as stored (the file's own, quantized size).
    public var storedBytes: Int { (storage.rowBytes(cols) ?? 0) * (elementCount / max(1, cols)) }

    /// Bytes Tern holds and its kernels read for this tensor (`PackedMatrix`'s layouts): the
    /// packed form `tern_packed_bytes` sizes for Q4_0/Q5_0/Q8_0 and K-quants, so predictions follow
    /// the kernel layout when it changes; F32 matrices in panels of 16 rows; anything else as stored.
    public var ternBytes: Int {
        guard isMatrix else { return storedBytes }
        if storage.id == 0 {  // tern_pack_f32: ⌈rows/16⌉ panels of 16 rows
            return stacked * ((rows + 15) / 16 * 16) * cols * 4
        }
        let packed = tern_packed_bytes(Int32(storage.id), Int64(rows), Int64(cols))
        return packed > 0 ? stacked * Int(packed) : storedBytes
    }
}
