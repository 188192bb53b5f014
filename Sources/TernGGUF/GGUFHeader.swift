import TernKernels

/// The header of a GGUF file — version, metadata and tensor infos — without its tensor data.
///
/// `GGUFFile` parses the same header and then checks that every tensor's bytes are in the file;
/// `GGUFHeader(path:)` reads only the header's own bytes (a few megabytes, mostly the
/// vocabulary) with plain reads, never mapping the file, so a 40 GB model costs what its header
/// costs, and a file whose data section is cut short still describes itself. Tensors of any ggml
/// type are listed, including types Tern cannot compute with.
///
///     let header = try GGUFHeader(path: "model.gguf")
///     header.architecture                                  // "llama"
///     header.tensors.reduce(0) { $0 + $1.elementCount }    // parameters
///     header.hasAllData                                    // false for a truncated download
public struct GGUFHeader: Sendable {
    /// One tensor info as the file declares it.
    public struct Tensor: Sendable {
        public let name: String
        /// ggml order: ne0 (contiguous, row length) first. Empty for a 0-dimensional scalar.
        public let shape: [Int]
        public let traits: GGMLTypeTraits
        /// Byte offset relative to the start of the data section; a multiple of the alignment.
        public let offset: Int
        /// The product of `shape`.
        public let elementCount: Int
        /// Bytes of tensor data: rows × the type's row size.
        public let byteCount: Int
        /// Absolute offset of the type id, for errors about the type.
        let typeOffset: Int

        /// The type, when Tern computes with it.
        public var type: GGMLType? { traits.computable }
    }

    /// The alignment the spec prescribes when `general.alignment` is absent.
    static let defaultAlignment = 32

    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [Tensor]
    /// `general.alignment`, or 32.
    public let alignment: Int
    /// Absolute byte offset of the data section.
    public let dataOffset: Int
    /// Size of the file the header was read from.
    public let fileSize: Int
    private let tensorIndex: [String: Int]

    /// Reads the header of the GGUF file at `path` and nothing past it. Throws `GGUFError` for a
    /// missing, unreadable, non-GGUF or corrupt file, or one that ends inside its header.
    public init(path: String) throws(GGUFError) {
        let file = try HeaderFile(path: path)
        // Parse a prefix; if the header runs past it, read more and parse again. 8 MiB holds the
        // headers of common models (Gemma 3's 262144-token vocabulary takes 6.5 MB).
        var length = min(file.size, 8 << 20)
        while true {
            let bytes = try file.read(length)
            let parsed = bytes.withUnsafeBytes { buffer -> Result<GGUFHeader, GGUFError> in
                guard let base = buffer.baseAddress else {
                    return .failure(GGUFError(.truncated, field: "magic", offset: 0, path: path))
                }
                var reader = GGUFReader(base: base, count: buffer.count, path: path)
                return Result { () throws(GGUFError) in try GGUFHeader(reading: &reader, fileSize: file.size) }
            }
            switch parsed {
            case .success(let header):
                self = header
                return
            case .failure(let error) where error.kind == .truncated && length < file.size:
                length = min(file.size, length * 4)
            case .failure(let error):
                throw error
            }
        }
    }

    /// Parses the header from `reader`'s start: magic, version, counts, metadata, tensor infos.
    init(reading reader: inout GGUFReader, fileSize: Int) throws(GGUFError) {
        let magic = try reader.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else {  // "GGUF" read as a little-endian u32
            throw reader.error(.notGGUF, "magic is \(Self.quoted(magic)), expected \"GGUF\"", at: 0)
        }
        let version = try reader.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            // gguf-py's heuristic: a byte-swapped small version has zero low bytes.
            let detail = version != 0 && version & 0xFFFF == 0 ? "\(version.byteSwapped), big-endian" : "\(version)"
            throw reader.error(.unsupportedVersion, "version \(detail)", at: 4)
        }
        // Lower bounds of an entry's size let a corrupt count fail before any loop or allocation:
        // a tensor info is at least name length + n_dims + type + offset, a pair at least key
        // length + type + one byte of value.
        let tensorCount = try reader.readCount("tensor count", itemBytes: 8 + 4 + 4 + 8)
        let metadataCount = try reader.readCount("metadata count", itemBytes: 8 + 4 + 1)

        var metadata: [String: GGUFValue] = [:]
        var metadataKeys: [String] = []
        metadata.reserveCapacity(min(metadataCount, 1 << 10))
        metadataKeys.reserveCapacity(min(metadataCount, 1 << 10))
        var alignmentOffset = 0
        for index in 0..<metadataCount {
            let keyStart = reader.offset
            let key = try reader.readString("metadata key #\(index)")
            guard metadata[key] == nil else {
                throw reader.error(.invalidValue, "metadata key '\(key)' appears twice", at: keyStart)
            }
            let typeStart = reader.offset
            let rawType = try reader.read(UInt32.self, "metadata '\(key)' type")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw reader.error(.invalidValue, "metadata '\(key)' type id \(rawType) is unknown", at: typeStart)
            }
            if key == "general.alignment" { alignmentOffset = reader.offset }
            metadata[key] = try reader.readValue(type, "metadata '\(key)'")
            metadataKeys.append(key)
        }

        var alignment = Self.defaultAlignment
        if let value = metadata["general.alignment"] {
            // gguf.cpp reads it with gguf_get_val_u32, so any other type is an error.
            guard case .uint32(let raw) = value, raw != 0, raw & (raw - 1) == 0 else {
                throw reader.error(
                    .invalidValue, "metadata 'general.alignment' is \(value), not a nonzero power-of-two uint32",
                    at: alignmentOffset)
            }
            alignment = Int(raw)
        }

        var tensors: [Tensor] = []
        var tensorIndex: [String: Int] = [:]
        tensors.reserveCapacity(min(tensorCount, 1 << 12))
        tensorIndex.reserveCapacity(min(tensorCount, 1 << 12))
        for index in 0..<tensorCount {
            let start = reader.offset
            let info = try Tensor.read(from: &reader, index: index, alignment: alignment)
            guard tensorIndex[info.name] == nil else {
                throw reader.error(.invalidValue, "tensor name '\(info.name)' appears twice", at: start)
            }
            tensorIndex[info.name] = index
            tensors.append(info)
        }

        // The data section starts at the next multiple of the alignment after the tensor infos.
        let (padded, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
        guard !overflow else {
            throw reader.error(.invalidValue, "data section start overflows", at: reader.offset)
        }
        self.version = version
        self.metadata = metadata
        self.metadataKeys = metadataKeys
        self.tensors = tensors
        self.tensorIndex = tensorIndex
        self.alignment = alignment
        self.dataOffset = padded - padded % alignment
        self.fileSize = fileSize
    }

    /// The tensor info named `name` (e.g. "blk.0.attn_q.weight"), or nil.
    public func tensor(named name: String) -> Tensor? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// `general.architecture`, e.g. "gemma3".
    public var architecture: String? {
        metadata["general.architecture"]?.string
    }

    /// Where the last tensor's data ends: the size a complete file has at least (Int.max when a
    /// tensor's offset is absurd).
    public var dataEnd: Int {
        tensors.reduce(dataOffset) { end, tensor in
            let (start, o1) = dataOffset.addingReportingOverflow(tensor.offset)
            let (stop, o2) = start.addingReportingOverflow(tensor.byteCount)
            return o1 || o2 ? Int.max : max(end, stop)
        }
    }

    /// Whether the file holds every tensor's bytes (false for a download cut short).
    public var hasAllData: Bool { fileSize >= dataEnd }

    /// Renders the four magic bytes for an error message: as text when printable, else as hex.
    private static func quoted(_ magic: UInt32) -> String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: magic >> (8 * $0)) }
        if bytes.allSatisfy({ (0x20...0x7E).contains($0) }) {
            return "\"" + String(decoding: bytes, as: UTF8.self) + "\""
        }
        return "0x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

extension GGUFHeader.Tensor {
    /// Reads one tensor info: name, u32 n_dims, u64 dims[n_dims], u32 ggml type, u64 offset.
    /// Checks everything that does not need the data section's position (which is only known
    /// after the last tensor info).
    static func read(from reader: inout GGUFReader, index: Int, alignment: Int) throws(GGUFError) -> Self {
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
        guard let traits = GGMLTypeTraits.of(rawType) else {
            throw reader.error(.unsupportedTensorType, "tensor '\(name)' has ggml type id \(rawType)", at: typeStart)
        }
        // A row is a whole number of blocks (ggml quantizes along ne0 only).
        let rowLength = shape.first ?? 1
        guard rowLength % traits.blockSize == 0 else {
            throw reader.error(
                .invalidValue,
                "\(field) row length \(rowLength) is not a multiple of the \(traits) block size \(traits.blockSize)",
                at: dimsStart)
        }
        let rows = rowLength == 0 ? 0 : elementCount / rowLength
        guard let rowBytes = traits.rowBytes(rowLength),
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
        return Self(name: name, shape: shape, traits: traits, offset: offset, elementCount: elementCount,
                    byteCount: byteCount, typeOffset: typeStart)
    }

    /// At most 4 dimensions, as GGML_MAX_DIMS in ggml.h.
    static let maxDims: UInt32 = 4
}
