/// A little-endian cursor over the bytes of a GGUF file.
///
/// Every read checks the bytes left before touching memory, and every count or length is checked
/// against the bytes left *before* anything is allocated, so a corrupt length of 2^63 costs a
/// comparison, not a crash. Errors name the field being read and the offset where it starts.
/// Field names are autoclosures so the 262144-entry vocabulary arrays build no strings unless a
/// read fails.
struct GGUFReader {
    /// Deepest array-of-arrays accepted; bounds the recursion a crafted file can cause.
    static let maxArrayDepth = 16

    let base: UnsafeRawPointer
    let count: Int
    let path: String?
    private(set) var offset = 0

    init(base: UnsafeRawPointer, count: Int, path: String?) {
        self.base = base
        self.count = count
        self.path = path
    }

    var remaining: Int { count - offset }

    func error(_ kind: GGUFError.Kind, _ field: String, at offset: Int) -> GGUFError {
        GGUFError(kind, field: field, offset: offset, path: path)
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw error(.truncated, field(), at: offset) }
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    /// Reads a u64 count of items that take at least `itemBytes` bytes each, rejecting any count
    /// that the bytes left cannot hold.
    mutating func readCount(_ field: @autoclosure () -> String, itemBytes: Int) throws(GGUFError) -> Int {
        let start = offset
        let raw = try read(UInt64.self, field())
        // remaining / itemBytes fits in Int, so an accepted count does too.
        guard raw <= UInt64(remaining / itemBytes) else {
            throw error(.truncated, "\(field()) is \(raw), more than the \(remaining) bytes left can hold", at: start)
        }
        return Int(raw)
    }

    /// A string is a u64 byte length followed by that many bytes of UTF-8 (no terminator).
    mutating func readString(_ field: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try readCount("\(field()) length", itemBytes: 1)
        let bytes = UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: UInt8.self), count: length)
        guard let string = Self.validatedUTF8(bytes) else {
            throw error(.invalidValue, "\(field()) is not valid UTF-8", at: start)
        }
        offset += length
        return string
    }

    private static func validatedUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if #available(macOS 15, iOS 18, *) {
            return String(validating: bytes, as: UTF8.self)
        }
        // Older Apple runtimes lack String(validating:); decoding repairs invalid bytes, so a
        // repaired string no longer matches its bytes.
        let string = String(decoding: bytes, as: UTF8.self)
        return string.utf8.elementsEqual(bytes) ? string : nil
    }

    /// Reads one metadata value of `type`; arrays recurse with `depth + 1`.
    mutating func readValue(
        _ type: GGUFValueType, _ field: @autoclosure () -> String, depth: Int = 0
    ) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, field()))
        case .int8: return .int8(try read(Int8.self, field()))
        case .uint16: return .uint16(try read(UInt16.self, field()))
        case .int16: return .int16(try read(Int16.self, field()))
        case .uint32: return .uint32(try read(UInt32.self, field()))
        case .int32: return .int32(try read(Int32.self, field()))
        case .uint64: return .uint64(try read(UInt64.self, field()))
        case .int64: return .int64(try read(Int64.self, field()))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, field())))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, field())))
        case .bool:
            let start = offset
            let byte = try read(UInt8.self, field())
            guard byte <= 1 else { throw error(.invalidValue, "\(field()) is bool \(byte), not 0 or 1", at: start) }
            return .bool(byte == 1)
        case .string:
            return .string(try readString(field()))
        case .array:
            return .array(try readArray(field(), depth: depth))
        }
    }

    /// An array is a u32 element type, a u64 count, then the elements back to back.
    private mutating func readArray(_ field: @autoclosure () -> String, depth: Int) throws(GGUFError) -> [GGUFValue] {
        let start = offset
        guard depth < Self.maxArrayDepth else {
            throw error(.invalidValue, "\(field()) nests arrays more than \(Self.maxArrayDepth) deep", at: start)
        }
        let rawType = try read(UInt32.self, "\(field()) element type")
        guard let elementType = GGUFValueType(rawValue: rawType) else {
            throw error(.invalidValue, "\(field()) element type id \(rawType) is unknown", at: start)
        }
        let count = try readCount("\(field()) count", itemBytes: elementType.minimumByteCount)
        var values: [GGUFValue] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            values.append(try readValue(elementType, "\(field())[\(index)]", depth: depth + 1))
        }
        return values
    }
}
