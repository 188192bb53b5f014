import Foundation

/// Writes F32 tensors as a safetensors file (the format `SafeTensorsFile` reads): an 8-byte
/// little-endian header length, the JSON header padded with spaces to a multiple of 8 bytes, then
/// the tensors' bytes in the order they were added. Written to a temporary file and renamed.
///
///     var w = SafeTensorsWriter(metadata: ["format": "pt"])
///     w.add("lora_A.weight", shape: [16, 640], floats: a)
///     try w.write(to: "adapter_model.safetensors")
public struct SafeTensorsWriter: Sendable {
    private var entries: [(name: String, shape: [Int], bytes: Data)] = []
    public var metadata: [String: String]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    /// Adds a float32 tensor; `shape` is outermost first, as PyTorch writes it.
    public mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "\(name): \(floats.count) values for shape \(shape)")
        entries.append((name, shape, floats.withUnsafeBufferPointer { Data(buffer: $0) }))
    }

    public func serialized() throws -> Data {
        var header: [String: Any] = [:], offset = 0
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        for e in entries {
            header[e.name] = ["dtype": "F32", "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]] as [String: Any]
            offset += e.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for e in entries { out.append(e.bytes) }
        return out
    }

    /// Throws Foundation's error when the file cannot be written.
    public func write(to path: String) throws {
        try serialized().write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
