import TernKernels

/// Where one tensor lives in a GGUF file and how it is laid out. Created only by `GGUFFile`,
/// which has validated the shape, type and bounds (the header's `GGUFHeader.Tensor`, of a type
/// Tern computes with, whose bytes are in the file).
///
///     let info = file.tensor(named: "token_embd.weight")!
///     info.shape        // [640, 262144]: (C, V), ne0 (the contiguous row length) first
///     info.type         // .q8_0
///     info.byteCount    // 262144 rows × 20 blocks × 34 bytes
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// ggml order: ne0 (contiguous, row length) first. Empty for a 0-dimensional scalar.
    public let shape: [Int]
    public let type: GGMLType
    /// Byte offset relative to the start of the data section; a multiple of the file's alignment.
    public let offset: Int
    /// The product of `shape`.
    public let elementCount: Int
    /// Bytes of tensor data: rows × the type's row size.
    public let byteCount: Int
}
