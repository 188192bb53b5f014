import TernKernels

/// Builds a GGUF file (little-endian, v3 by default) that llama.cpp and gguf-py read: used for the
/// tiny random-weight models in tests and for files Tern writes.
///
///     var writer = GGUFWriter()
///     writer.add("general.architecture", .string("gemma3"))
///     writer.add("gemma3.block_count", .uint32(1))
///     writer.add("tokenizer.ggml.tokens", .array([.string("<pad>"), .string("<eos>")]))
///     writer.addTensor(name: "output_norm.weight", shape: [4], floats: [1, 1, 1, 1])
///     try writer.write(to: "/tmp/tiny.gguf")
///
/// Keys and tensors are written in the order added. Tensor data starts at a multiple of
/// `alignment` and each tensor is zero-padded to the next multiple, as gguf.cpp writes it. When
/// `alignment` is not the default 32, `general.alignment` is added; a `general.alignment` added by
/// hand is written exactly as given (tests use this to make invalid files).
public struct GGUFWriter: Sendable {
    public let version: UInt32
    public let alignment: Int

    private var pairs: [(key: String, value: GGUFValue)] = []
    private var tensors: [(name: String, shape: [Int], type: GGMLType, data: [UInt8])] = []

    public init(version: UInt32 = 3, alignment: Int = 32) {
        precondition(version == 2 || version == 3, "GGUFWriter writes GGUF v2 or v3, not v\(version)")
        precondition(alignment > 0 && alignment & (alignment - 1) == 0 && alignment <= Int(UInt32.max),
                     "GGUF alignment must be a power of two that fits in a u32, not \(alignment)")
        self.version = version
        self.alignment = alignment
    }

    /// Adds a metadata pair, or replaces the value of a key added before. The elements of an array
    /// must all be of one kind (arrays nested inside may each have their own); an empty array is
    /// written with element type UINT8.
    public mutating func add(_ key: String, _ value: GGUFValue) {
        precondition(Self.isHomogeneous(value), "GGUF arrays hold one kind of value; '\(key)' mixes kinds")
        if let index = pairs.firstIndex(where: { $0.key == key }) {
            pairs[index].value = value
        } else {
            pairs.append((key, value))
        }
    }

    /// Removes a metadata pair (nothing when the key is absent); `add` after it appends at the end.
    public mutating func remove(_ key: String) {
        pairs.removeAll { $0.key == key }
    }

    /// Adds a tensor. `shape` is in ggml order (row length first, at most 4 dims), and `data`
    /// holds exactly the bytes `type` needs for it: rows × `type.rowBytes(shape[0])`.
    public mutating func addTensor(name: String, shape: [Int], type: GGMLType, data: [UInt8]) {
        precondition(!tensors.contains { $0.name == name }, "tensor '\(name)' added twice")
        precondition(shape.count <= 4 && shape.allSatisfy { $0 >= 0 }, "tensor '\(name)': bad shape \(shape)")
        let rowLength = shape.first ?? 1
        guard let rowBytes = type.rowBytes(rowLength) else {
            preconditionFailure("tensor '\(name)': row length \(rowLength) is not a multiple of \(type)'s block size")
        }
        let rows = shape.dropFirst().reduce(1, *)
        precondition(data.count == rowBytes * rows,
                     "tensor '\(name)': \(data.count) bytes given, \(type) \(shape) needs \(rowBytes * rows)")
        tensors.append((name, shape, type, data))
    }

    /// Adds an F32 tensor; `floats.count` must equal the product of `shape`.
    public mutating func addTensor(name: String, shape: [Int], floats: [Float]) {
        var data: [UInt8] = []
        data.reserveCapacity(floats.count * 4)
        for value in floats { data.appendLittleEndian(value.bitPattern) }
        addTensor(name: name, shape: shape, type: .f32, data: data)
    }

    /// A tensor of the file, described before its bytes exist (see `write(to:streaming:bytes:)`).
    public struct TensorEntry: Sendable {
        public let name: String
        public let shape: [Int]
        public let type: GGMLType
        public let byteCount: Int

        public init(name: String, shape: [Int], type: GGMLType, byteCount: Int) {
            self.name = name
            self.shape = shape
            self.type = type
            self.byteCount = byteCount
        }
    }

    /// Header, metadata, tensor infos and the padding up to the data section, for `entries`.
    public func header(for entries: [TensorEntry]) -> [UInt8] {
        var pairs = self.pairs
        if alignment != GGUFFile.defaultAlignment && !pairs.contains(where: { $0.key == "general.alignment" }) {
            pairs.append(("general.alignment", .uint32(UInt32(alignment))))
        }

        var out: [UInt8] = []
        out.appendLittleEndian(UInt32(0x4655_4747))  // "GGUF"
        out.appendLittleEndian(version)
        out.appendLittleEndian(UInt64(entries.count))
        out.appendLittleEndian(UInt64(pairs.count))
        for (key, value) in pairs {
            out.appendString(key)
            out.appendLittleEndian(value.type.rawValue)
            out.appendValue(value)
        }

        var offset = 0
        for tensor in entries {
            out.appendString(tensor.name)
            out.appendLittleEndian(UInt32(tensor.shape.count))
            for dim in tensor.shape { out.appendLittleEndian(UInt64(dim)) }
            out.appendLittleEndian(tensor.type.rawValue)
            out.appendLittleEndian(UInt64(offset))
            offset += padded(tensor.byteCount)
        }
        out.append(contentsOf: repeatElement(0, count: padded(out.count) - out.count))
        return out
    }

    private var entries: [TensorEntry] {
        tensors.map { TensorEntry(name: $0.name, shape: $0.shape, type: $0.type, byteCount: $0.data.count) }
    }

    /// The whole file: header, metadata, tensor infos, padding, tensor data.
    public func serialized() -> [UInt8] {
        var out = header(for: entries)
        for tensor in tensors {
            out.append(contentsOf: tensor.data)
            out.append(contentsOf: repeatElement(0, count: padded(tensor.data.count) - tensor.data.count))
        }
        return out
    }

    /// Writes the file atomically: to a temporary file in the same directory, flushed to disk,
    /// then renamed over `path`, so `path` never holds a half-written file.
    public func write(to path: String) throws(GGUFError) {
        let file = try AtomicFile(path: path)
        try file.write(serialized())
        try file.commit()
    }

    /// Writes a file whose tensor bytes are made one tensor at a time, so a large model never sits
    /// in memory whole: `bytes(i, emit)` must pass exactly `entries[i].byteCount` bytes to `emit`,
    /// in one or more pieces. Atomic as `write(to:)`: an error (from `bytes` too) leaves nothing.
    public func write(to path: String, streaming entries: [TensorEntry],
                      bytes: (Int, (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let file = try AtomicFile(path: path)
        try file.write(header(for: entries))
        for (index, entry) in entries.enumerated() {
            var written = 0
            try bytes(index) { piece in
                try file.write(piece)
                written += piece.count
            }
            guard written == entry.byteCount else {
                throw GGUFError(.io, field: "tensor '\(entry.name)': \(written) bytes made, \(entry.byteCount) expected",
                                offset: 0, path: path)
            }
            try file.write([UInt8](repeating: 0, count: padded(written) - written))
        }
        try file.commit()
    }

    private func padded(_ count: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }

    private static func isHomogeneous(_ value: GGUFValue) -> Bool {
        guard case .array(let values) = value else { return true }
        guard let first = values.first?.type else { return true }
        return values.allSatisfy { $0.type == first && isHomogeneous($0) }
    }
}

extension [UInt8] {
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for byte in 0..<MemoryLayout<T>.size {
            append(UInt8(truncatingIfNeeded: value >> (8 * byte)))
        }
    }

    /// A GGUF string: u64 byte length, then the UTF-8 bytes without a terminator.
    fileprivate mutating func appendString(_ string: String) {
        appendLittleEndian(UInt64(string.utf8.count))
        append(contentsOf: string.utf8)
    }

    fileprivate mutating func appendValue(_ value: GGUFValue) {
        switch value {
        case .uint8(let v): appendLittleEndian(v)
        case .int8(let v): appendLittleEndian(v)
        case .uint16(let v): appendLittleEndian(v)
        case .int16(let v): appendLittleEndian(v)
        case .uint32(let v): appendLittleEndian(v)
        case .int32(let v): appendLittleEndian(v)
        case .uint64(let v): appendLittleEndian(v)
        case .int64(let v): appendLittleEndian(v)
        case .float32(let v): appendLittleEndian(v.bitPattern)
        case .float64(let v): appendLittleEndian(v.bitPattern)
        case .bool(let v): append(v ? 1 : 0)
        case .string(let v): appendString(v)
        case .array(let values):
            appendLittleEndian((values.first?.type ?? .uint8).rawValue)
            appendLittleEndian(UInt64(values.count))
            for element in values { appendValue(element) }
        }
    }
}
