import Foundation
import TernGGUF
import TernKernels
import TernStore
import XCTest

/// llama.cpp's own reader (gguf-py) reads back what GGUFWriter writes: scripts/gguf_readback.py
/// prints its view as JSON and the test compares it with what was written.
final class GGUFPythonReadbackTests: XCTestCase {
    /// <repo>/scripts/gguf_readback.py, found from this file's path (Tests/TernGGUFTests/...).
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/gguf_readback.py").path

    func testGGUFPyReadsTheWritersFiles() throws {
        try PythonEnvironment().prepare(["gguf"])  // Tern's own environment, created on first use
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-gguf-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        for (version, alignment) in [(UInt32(3), 32), (2, 64)] {
            var writer = GGUFWriter(version: version, alignment: alignment)
            var expected = GGUFRoundTripTests.everyValue
            for (key, value) in expected { writer.add(key, value) }
            if alignment != 32 { expected.append(("general.alignment", .uint32(UInt32(alignment)))) }
            let tensors: [(String, [Int], GGMLType)] = [
                ("f32", [3, 2], .f32), ("f16", [5], .f16), ("bf16", [2, 2], .bf16), ("q4_0", [32, 3], .q4_0),
                ("q5_0", [64], .q5_0), ("q8_0", [32, 2, 2], .q8_0), ("q4_K", [256, 2], .q4_K),
                ("q5_K", [256], .q5_K), ("q6_K", [512, 1, 1, 2], .q6_K),
            ]
            for (index, (name, shape, type)) in tensors.enumerated() {
                writer.addTensor(name: name, shape: shape, type: type, data: tensorBytes(type, shape, seed: UInt64(index)))
            }
            let path = directory.appendingPathComponent("v\(version).gguf").path
            try writer.write(to: path)

            let run = try PythonEnvironment().run([Self.script, path], requirements: ["gguf"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stderr)
            XCTAssertEqual(json["version"] as? Int, Int(version))
            XCTAssertEqual(json["alignment"] as? Int, alignment)

            let metadata = try XCTUnwrap(json["metadata"] as? [[Any]])
            XCTAssertEqual(metadata.compactMap { $0.first as? String }, expected.map(\.0))
            for (pair, (key, value)) in zip(metadata, expected) {
                XCTAssertEqual(try Self.value(pair[1]), value, key)
                try Self.checkElementTypes(pair[1], value, key)
            }

            let file = try GGUFFile(path: path)
            let pyTensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
            XCTAssertEqual(json["data_offset"] as? Int, file.dataOffset)
            XCTAssertEqual(pyTensors.count, tensors.count)
            for (index, (py, (name, shape, type))) in zip(pyTensors, tensors).enumerated() {
                XCTAssertEqual(py["name"] as? String, name)
                XCTAssertEqual(py["shape"] as? [Int], shape, name)
                XCTAssertEqual(py["type"] as? String, type.description, name)
                let data = tensorBytes(type, shape, seed: UInt64(index))
                XCTAssertEqual(py["n_bytes"] as? Int, data.count, name)
                XCTAssertEqual(py["data_hex"] as? String, data.map { String(format: "%02x", $0) }.joined(), name)
                let info = try XCTUnwrap(file.tensor(named: name))
                XCTAssertEqual(py["data_offset"] as? Int, file.dataOffset + info.offset, name)
                XCTAssertEqual((py["data_offset"] as? Int).map { $0 % alignment }, 0, name)
            }
        }
    }

    /// Rebuilds a value from the script's [TYPE, text] / ["ARRAY", TYPE, [...]] form.
    static func value(_ json: Any) throws -> GGUFValue {
        let list = try XCTUnwrap(json as? [Any])
        let type = try XCTUnwrap(list.first as? String)
        if type == "ARRAY" {
            return .array(try XCTUnwrap(list.last as? [Any]).map(value))
        }
        let text = try XCTUnwrap(list.last as? String)
        switch type {
        case "UINT8": return .uint8(try XCTUnwrap(UInt8(text)))
        case "INT8": return .int8(try XCTUnwrap(Int8(text)))
        case "UINT16": return .uint16(try XCTUnwrap(UInt16(text)))
        case "INT16": return .int16(try XCTUnwrap(Int16(text)))
        case "UINT32": return .uint32(try XCTUnwrap(UInt32(text)))
        case "INT32": return .int32(try XCTUnwrap(Int32(text)))
        case "UINT64": return .uint64(try XCTUnwrap(UInt64(text)))
        case "INT64": return .int64(try XCTUnwrap(Int64(text)))
        case "FLOAT32": return .float32(Float(bitPattern: try XCTUnwrap(UInt32(text, radix: 16))))
        case "FLOAT64": return .float64(Double(bitPattern: try XCTUnwrap(UInt64(text, radix: 16))))
        case "BOOL": return .bool(text == "true")
        case "STRING": return .string(text)
        default: throw UnknownType(name: type)
        }
    }

    struct UnknownType: Error {
        let name: String
    }

    /// gguf-py's element type of each non-empty array is the kind of its elements.
    static func checkElementTypes(_ json: Any, _ value: GGUFValue, _ key: String) throws {
        guard case .array(let values) = value, let first = values.first else { return }
        let list = try XCTUnwrap(json as? [Any])
        XCTAssertEqual(list[1] as? String, typeName(first), key)
        for (item, element) in zip(try XCTUnwrap(list[2] as? [Any]), values) {
            try checkElementTypes(item, element, key)
        }
    }

    /// The names of `enum gguf_type` as gguf-py spells them.
    static func typeName(_ value: GGUFValue) -> String {
        switch value {
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .uint16: return "UINT16"
        case .int16: return "INT16"
        case .uint32: return "UINT32"
        case .int32: return "INT32"
        case .float32: return "FLOAT32"
        case .bool: return "BOOL"
        case .string: return "STRING"
        case .array: return "ARRAY"
        case .uint64: return "UINT64"
        case .int64: return "INT64"
        case .float64: return "FLOAT64"
        }
    }
}
