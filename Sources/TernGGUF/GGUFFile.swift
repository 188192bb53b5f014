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
    static var defaultAlignment: Int { GGUFHeader.defaultAlignment }

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
        let header = try GGUFHeader(reading: &reader, fileSize: bytes.count)
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(header.tensors.count)
        for entry in header.tensors {
            guard let type = entry.type else {
                throw reader.error(.unsupportedTensorType, "tensor '\(entry.name)' has ggml type id \(entry.traits.id) (\(entry.traits))",
                                   at: entry.typeOffset)
            }
            tensors.append(GGUFTensorInfo(name: entry.name, shape: entry.shape, type: type, offset: entry.offset,
                                          elementCount: entry.elementCount, byteCount: entry.byteCount))
        }
        let dataOffset = header.dataOffset
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

        self.version = header.version
        self.metadata = header.metadata
        self.metadataKeys = header.metadataKeys
        self.tensors = tensors
        self.alignment = header.alignment
        self.dataOffset = dataOffset
        self.base = base
        self.tensorIndex = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
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
}
