/// A parsed GGUF file: its metadata, its tensor infos, and pointers to tensor data.
///
/// Layout per ggml's docs/gguf.md: magic "GGUF", u32 version, u64 tensor count, u64 metadata
/// count, the metadata key/value pairs, the tensor infos, padding to `alignment`, then the data
/// section. Everything is little-endian. The whole header is validated in `init`, so every
/// tensor's bytes are known to lie inside the file and `data(for:)` cannot fail.
///
///     let file = try GGUFFile(path: "gemma-3-270m-q4_k_m.gguf")
///     file.architecture                               // "gemma3"
///     let norm = file.tensor(named: "output_norm.weight")!   // shape [640], F32
///     let weights = file.data(for: norm).assumingMemoryBound(to: Float.self)
///
/// Immutable after `init`; the mapping (or the `owner` of caller-supplied bytes) lives as long as
/// the object, so pointers from `data(for:)` stay valid while it is referenced.
public final class GGUFFile: @unchecked Sendable {
    /// The alignment the spec prescribes when `general.alignment` is absent.
    static let defaultAlignment = 32

    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32.
    public let alignment: Int
    /// Absolute byte offset of the data section.
    public let dataOffset: Int

    private let base: UnsafeRawPointer
    private let tensorIndex: [String: Int]
    /// Keeps the bytes alive: the `MappedFile` for `init(path:)`, the caller's object otherwise.
    private let owner: AnyObject?

    /// Maps the file at `path` read-only and parses its header. Pages of tensor data are read
    /// only when used.
    public convenience init(path: String) throws(GGUFError) {
        let mapping = try MappedFile(path: path)
        try self.init(bytes: mapping.bytes, owner: mapping, path: path)
    }

    /// Parses a GGUF file held in memory. `bytes` must stay valid while the `GGUFFile` lives;
    /// pass the object that owns them as `owner` to tie their lifetimes together.
    public convenience init(bytes: UnsafeRawBufferPointer, owner: AnyObject? = nil) throws(GGUFError) {
        try self.init(bytes: bytes, owner: owner, path: nil)
    }

    private init(bytes: UnsafeRawBufferPointer, owner: AnyObject?, path: String?) throws(GGUFError) {
        guard let base = bytes.baseAddress else {
            throw GGUFError(.truncated, field: "magic", offset: 0, path: path)
        }
        var reader = GGUFReader(base: base, count: bytes.count, path: path)

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

        var tensors: [GGUFTensorInfo] = []
        var tensorIndex: [String: Int] = [:]
        tensors.reserveCapacity(min(tensorCount, 1 << 12))
        tensorIndex.reserveCapacity(min(tensorCount, 1 << 12))
        for index in 0..<tensorCount {
            let start = reader.offset
            let info = try GGUFTensorInfo.read(from: &reader, index: index, alignment: alignment)
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
        let dataOffset = padded - padded % alignment
        for tensor in tensors {
            let (start, startOverflow) = dataOffset.addingReportingOverflow(tensor.offset)
            let (end, endOverflow) = start.addingReportingOverflow(tensor.byteCount)
            guard !startOverflow, !endOverflow, end <= bytes.count else {
                let range = startOverflow || endOverflow ? "offset \(tensor.offset)" : "bytes \(start)..<\(end)"
                throw reader.error(
                    .truncated, "tensor '\(tensor.name)' data (\(range)) lies past the end of the file (\(bytes.count) bytes)",
                    at: startOverflow ? dataOffset : start)
            }
        }

        self.version = version
        self.metadata = metadata
        self.metadataKeys = metadataKeys
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.base = base
        self.tensorIndex = tensorIndex
        self.owner = owner
    }

    /// The tensor info named `name` (e.g. "blk.0.attn_q.weight"), or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The first byte of `tensor`'s data: `byteCount` bytes, valid while this object lives.
    /// `tensor` must come from this file's `tensors` (its bounds were checked in `init`).
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        base + (dataOffset + tensor.offset)
    }

    /// Lets the system drop the pages of tensor data in [start, start + count) from memory once a
    /// copy has been made (e.g. a repacked matrix): they are read back from the file if touched
    /// again. A no-op unless the file is memory-mapped, since caller-supplied bytes may be the
    /// only copy.
    public func releasePages(_ start: UnsafeRawPointer, count: Int) {
        guard let mapping = owner as? MappedFile else { return }
        mapping.releasePages(start, count: count)
    }

    /// `general.architecture`, e.g. "gemma3".
    public var architecture: String? {
        metadata["general.architecture"]?.string
    }

    /// Renders the four magic bytes for an error message: as text when printable, else as hex.
    private static func quoted(_ magic: UInt32) -> String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: magic >> (8 * $0)) }
        if bytes.allSatisfy({ (0x20...0x7E).contains($0) }) {
            return "\"" + String(decoding: bytes, as: UTF8.self) + "\""
        }
        return "0x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
