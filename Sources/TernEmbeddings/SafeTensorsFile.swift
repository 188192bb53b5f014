import Foundation
import TernKernels

/// A safetensors file: an 8-byte little-endian header length, a JSON header that names each
/// tensor's dtype, shape and byte range within the data that follows, then the data.
///
/// The file is read once; tensors are handed out as float arrays (F32, F16 and BF16 convert).
///
///     let file = try SafeTensorsFile(path: "model.safetensors")
///     let w = try file.floats("encoder.layer.0.attention.self.query.weight", shape: [384, 384])
public struct SafeTensorsFile: Sendable {
    public struct Tensor: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range within the data section.
        let range: Range<Int>
    }

    public let path: String
    public let tensors: [String: Tensor]
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    static let elementBytes = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1]

    public init(path: String) throws(EmbeddingError) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EmbeddingError(.fileNotFound, "\(path): cannot read the file: check the path, or pull the model again")
        }
        func corrupt(_ what: String) -> EmbeddingError {
            EmbeddingError(.corrupt, "\(path): not a valid safetensors file: \(what) — re-pull the model")
        }
        guard data.count >= 8 else { throw corrupt("shorter than its 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else { throw corrupt("header length \(headerLength) exceeds the file") }
        let start = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<start)) as? [String: Any] else {
            throw corrupt("the header is not a JSON object")
        }
        var tensors: [String: Tensor] = [:], metadata: [String: String] = [:]
        let dataBytes = data.count - start
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw corrupt("tensor '\(name)' lacks dtype, shape or data_offsets") }
            guard let size = Self.elementBytes[dtype] else { throw corrupt("tensor '\(name)' has unknown dtype \(dtype)") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataBytes,
                  offsets[1] - offsets[0] == shape.reduce(size, *)
            else { throw corrupt("tensor '\(name)' (\(dtype) \(shape)) does not fit its byte range \(offsets)") }
            tensors[name] = Tensor(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.tensors = tensors
        self.metadata = metadata
        self.data = data
        self.dataStart = start
    }

    /// The tensor `name` as floats, after checking it has `shape`.
    public func floats(_ name: String, shape: [Int]) throws(EmbeddingError) -> [Float] {
        guard let t = tensors[name] else {
            throw EmbeddingError(.corrupt, "\(path): tensor '\(name)' is missing — is this the right model?")
        }
        guard t.shape == shape else {
            throw EmbeddingError(.corrupt, "\(path): tensor '\(name)' has shape \(t.shape), expected \(shape)")
        }
        let count = shape.reduce(1, *), lo = dataStart + t.range.lowerBound
        func read<T: FixedWidthInteger>(_: T.Type, _ convert: (T) -> Float) -> [Float] {
            data.withUnsafeBytes { raw in
                (0..<count).map { convert(raw.loadUnaligned(fromByteOffset: lo + MemoryLayout<T>.size * $0, as: T.self).littleEndian) }
            }
        }
        switch t.dtype {
        case "F32": return read(UInt32.self) { Float(bitPattern: $0) }
        case "F16": return read(UInt16.self) { halfToFloat($0) }
        case "BF16": return read(UInt16.self) { bf16ToFloat($0) }
        default: throw EmbeddingError(.unsupported, "\(path): tensor '\(name)' is \(t.dtype); Tern reads F32, F16 and BF16 weights")
        }
    }
}
