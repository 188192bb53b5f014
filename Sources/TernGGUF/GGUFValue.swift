/// One metadata value of a GGUF file, in the file's own type (`enum gguf_type` in gguf.h).
///
/// Arrays hold values of one kind; an array may hold arrays. The accessors convert loosely so that
/// configuration code need not care whether a converter wrote `uint32` or `int32`:
///
///     let layers = file.metadata["gemma3.block_count"]?.int          // 18
///     let eps = file.metadata["gemma3.attention.layer_norm_rms_epsilon"]?.float
///     let tokens = file.metadata["tokenizer.ggml.tokens"]?.strings   // [String]
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// Any integer kind whose value fits in `Int`; nil for other kinds.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// A float kind, or any integer kind converted to the nearest `Float`; nil for other kinds.
    public var float: Float? {
        switch self {
        case .float32(let v): return v
        case .float64(let v): return Float(v)
        case .uint64(let v): return Float(v)
        default: return int.map(Float.init)
        }
    }

    public var string: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var array: [GGUFValue]? {
        if case .array(let v) = self { return v }
        return nil
    }

    /// An array whose elements are all strings.
    public var strings: [String]? {
        guard case .array(let values) = self else { return nil }
        var result: [String] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard case .string(let s) = value else { return nil }
            result.append(s)
        }
        return result
    }

    /// An array whose elements all convert with `float`.
    public var floats: [Float]? {
        guard case .array(let values) = self else { return nil }
        var result: [Float] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let f = value.float else { return nil }
            result.append(f)
        }
        return result
    }

    /// An array whose elements all convert with `int`.
    public var ints: [Int]? {
        guard case .array(let values) = self else { return nil }
        var result: [Int] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let i = value.int else { return nil }
            result.append(i)
        }
        return result
    }
}

extension GGUFValue {
    /// The type id this value is stored under.
    var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }
}
