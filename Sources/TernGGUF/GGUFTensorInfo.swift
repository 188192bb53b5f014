import TernKernels

/// Where one tensor lives in a GGUF file and how it is laid out. Created only by `GGUFFile`,
/// which has validated the shape, type and bounds.
///
///     let info = file.tensor(named: "token_embd.weight")!
///     info.shape        // [640, 262144]: (C, V), ne0 (the contiguous row length) first
///     info.type         // .q8_0
///     info.byteCount    // 262144 rows × 20 blocks × 34 bytes
public struct GGUFTensorInfo: Sendable {
    /// At most 4 dimensions, as GGML_MAX_DIMS in ggml.h.
    static let maxDims: UInt32 = 4

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

extension GGUFTensorInfo {
    /// Reads one tensor info: name, u32 n_dims, u64 dims[n_dims], u32 ggml type, u64 offset.
    /// Checks everything that does not need the data section's position (which is only known
    /// after the last tensor info).
    static func read(from reader: inout GGUFReader, index: Int, alignment: Int) throws(GGUFError) -> GGUFTensorInfo {
        let name = try reader.readString("tensor info #\(index) name")
        let field = "tensor info '\(name)'"

        let dimsStart = reader.offset
        let nDims = try reader.read(UInt32.self, "\(field) n_dims")
        guard nDims <= maxDims else {
            throw reader.error(.invalidValue, "\(field) n_dims is \(nDims), more than \(maxDims)", at: dimsStart)
        }
        var shape: [Int] = []
        var elementCount = 1
        for axis in 0..<Int(nDims) {
            let start = reader.offset
            let raw = try reader.read(UInt64.self, "\(field) dims")
            // ggml stores dims as int64_t: a value above Int64.max is a negative dimension.
            guard raw <= UInt64(Int64.max), let dim = Int(exactly: raw) else {
                throw reader.error(.invalidValue, "\(field) dim \(axis) is negative (\(Int64(bitPattern: raw)))", at: start)
            }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw reader.error(.invalidValue, "\(field) shape \(shape + [dim]) has too many elements", at: start)
            }
            shape.append(dim)
            elementCount = product
        }

        let typeStart = reader.offset
        let rawType = try reader.read(UInt32.self, "\(field) type")
        guard let type = GGMLType(rawValue: rawType) else {
            let known = otherGGMLTypeNames[rawType].map { " (\($0))" } ?? ""
            throw reader.error(.unsupportedTensorType, "tensor '\(name)' has ggml type id \(rawType)\(known)", at: typeStart)
        }
        // A row is a whole number of blocks (ggml quantizes along ne0 only).
        let rowLength = shape.first ?? 1
        guard rowLength % type.blockSize == 0 else {
            throw reader.error(
                .invalidValue,
                "\(field) row length \(rowLength) is not a multiple of the \(type) block size \(type.blockSize)",
                at: dimsStart)
        }
        let rows = rowLength == 0 ? 0 : elementCount / rowLength
        guard let rowBytes = type.rowBytes(rowLength),
              case (let byteCount, false) = rowBytes.multipliedReportingOverflow(by: rows)
        else {
            throw reader.error(.invalidValue, "\(field) shape \(shape) needs more bytes than Int.max", at: dimsStart)
        }

        let offsetStart = reader.offset
        let rawOffset = try reader.read(UInt64.self, "\(field) offset")
        guard let offset = Int(exactly: rawOffset) else {
            throw reader.error(.truncated, "\(field) offset \(rawOffset) is past the end of the file", at: offsetStart)
        }
        guard offset % alignment == 0 else {
            throw reader.error(
                .invalidValue, "\(field) offset \(offset) is not a multiple of the alignment \(alignment)", at: offsetStart)
        }
        return GGUFTensorInfo(
            name: name, shape: shape, type: type, offset: offset, elementCount: elementCount, byteCount: byteCount)
    }

    /// Names of the ggml types (ggml.h `enum ggml_type`) that Tern does not compute with, so the
    /// error can say what the model uses.
    private static let otherGGMLTypeNames: [UInt32: String] = [
        3: "Q4_1", 7: "Q5_1", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS",
        18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16",
        26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
    ]
}
