import TernKernels

/// Name and block layout of every ggml tensor type a GGUF file may declare, including the many
/// Tern cannot compute with (`GGMLType` lists those it can).
///
/// Reading a header needs only these two numbers per type: a tensor of `n` elements of a type
/// with blocks of `blockSize` elements in `blockBytes` bytes takes n / blockSize × blockBytes
/// bytes. So a file of IQ2_XS or Q3_K weights can still be measured (`tern plan`) although it
/// cannot be run.
///
///     GGMLTypeTraits.of(10)?.name          // "Q2_K"
///     GGMLTypeTraits.of(10)?.rowBytes(4096) // 1344: 16 blocks × 84 bytes
public struct GGMLTypeTraits: Sendable, Equatable, CustomStringConvertible {
    /// The number in ggml.h's `enum ggml_type`, which GGUF stores.
    public let id: UInt32
    /// The name ggml uses, e.g. "Q4_K".
    public let name: String
    /// Elements per block (1 for plain number types).
    public let blockSize: Int
    /// Bytes per block.
    public let blockBytes: Int

    /// The traits of ggml type `id`, or nil for a number ggml has never assigned (or retired).
    public static func of(_ id: UInt32) -> GGMLTypeTraits? { table[id] }

    /// Bytes used by `count` elements, or nil when `count` is not a whole number of blocks or the
    /// product overflows.
    public func rowBytes(_ count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }

    /// Storage cost per element in bits, e.g. 4.5 for Q4_K.
    public var bitsPerWeight: Double { Double(blockBytes * 8) / Double(blockSize) }

    /// The type Tern computes with, when it is one.
    public var computable: GGMLType? { GGMLType(rawValue: id) }

    public var description: String { name }

    /// Block sizes and bytes per ggml.c's `type_traits` (sizeof of each block struct in
    /// ggml-common.h; QK_K = 256). Q8_1 is 36 bytes there (a half d and s, 32 quants), although
    /// gguf-py's table says 40; no file stores Q8_1. Numbers 4 and 5 (Q4_2, Q4_3) and 31–33, 36–38
    /// (the Q4_0_4_4-style repacked types) are retired.
    private static let table: [UInt32: GGMLTypeTraits] = {
        let rows: [(UInt32, String, Int, Int)] = [
            (0, "F32", 1, 4), (1, "F16", 1, 2),
            (2, "Q4_0", 32, 18), (3, "Q4_1", 32, 20), (6, "Q5_0", 32, 22), (7, "Q5_1", 32, 24),
            (8, "Q8_0", 32, 34), (9, "Q8_1", 32, 36),
            (10, "Q2_K", 256, 84), (11, "Q3_K", 256, 110), (12, "Q4_K", 256, 144), (13, "Q5_K", 256, 176),
            (14, "Q6_K", 256, 210), (15, "Q8_K", 256, 292),
            (16, "IQ2_XXS", 256, 66), (17, "IQ2_XS", 256, 74), (18, "IQ3_XXS", 256, 98), (19, "IQ1_S", 256, 50),
            (20, "IQ4_NL", 32, 18), (21, "IQ3_S", 256, 110), (22, "IQ2_S", 256, 82), (23, "IQ4_XS", 256, 136),
            (24, "I8", 1, 1), (25, "I16", 1, 2), (26, "I32", 1, 4), (27, "I64", 1, 8), (28, "F64", 1, 8),
            (29, "IQ1_M", 256, 56), (30, "BF16", 1, 2), (34, "TQ1_0", 256, 54), (35, "TQ2_0", 256, 66),
            (39, "MXFP4", 32, 17),
        ]
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, GGMLTypeTraits(id: $0.0, name: $0.1, blockSize: $0.2, blockBytes: $0.3)) })
    }()
}
