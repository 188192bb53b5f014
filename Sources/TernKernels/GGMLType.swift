/// Tensor element types, numbered as in ggml's `enum ggml_type` (ggml.h), which is what GGUF stores.
///
/// Quantized types store `blockSize` elements in `blockBytes` bytes. Only the types Tern can
/// dequantize are listed; any other id in a file is reported as unsupported at load time.
///
///     let type = GGMLType(rawValue: 12)   // .q4_K
///     type?.rowBytes(640)                  // 360: 640/256 blocks × 144 bytes
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case bf16 = 30
    case tq1_0 = 34
    case tq2_0 = 35

    /// Elements per block (1 for plain float types).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: return 32
        case .q4_K, .q5_K, .q6_K, .tq1_0, .tq2_0: return 256
        }
    }

    /// Bytes per block, per ggml-common.h.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 2 + 16          // d, qs[16]
        case .q4_1: return 2 + 2 + 16      // d, m, qs[16]
        case .q5_0: return 2 + 4 + 16      // d, qh[4], qs[16]
        case .q5_1: return 2 + 2 + 4 + 16  // d, m, qh[4], qs[16]
        case .q8_0: return 2 + 32          // d, qs[32]
        case .q4_K: return 2 + 2 + 12 + 128   // d, dmin, scales[12], qs[128]
        case .q5_K: return 2 + 2 + 12 + 32 + 128 // d, dmin, scales[12], qh[32], qs[128]
        case .q6_K: return 128 + 64 + 16 + 2  // ql[128], qh[64], scales[16], d
        case .tq1_0: return 48 + 4 + 2        // qs[48], qh[4], d
        case .tq2_0: return 64 + 2            // qs[64], d
        }
    }

    /// Bytes used by `count` elements, or nil when `count` is not a whole number of blocks.
    public func rowBytes(_ count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }

    /// The name ggml uses, e.g. "Q4_K".
    public var description: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        case .tq1_0: return "TQ1_0"
        case .tq2_0: return "TQ2_0"
        }
    }
}
