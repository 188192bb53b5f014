import Foundation
import XCTest
import TernEmbeddings

/// The safetensors reader on files written byte by byte here, and its one-line errors.
final class SafeTensorsTests: XCTestCase {
    /// An 8-byte little-endian header length, the JSON header, then the data.
    func write(_ header: String, _ data: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "tern-st-\(UUID().uuidString).safetensors"
        let h = Array(header.utf8)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) }
        bytes += h + data
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testReadsF32F16AndBF16() throws {
        // F32 [1.5, -2], F16 [1, -0.5] (0x3C00, 0xB800), BF16 [2] (0x4000).
        let data: [UInt8] = [0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0, 0x00, 0x3C, 0x00, 0xB8, 0x00, 0x40]
        let path = try write("""
            {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},\
            "c":{"dtype":"BF16","shape":[1],"data_offsets":[12,14]},"__metadata__":{"format":"pt"}}
            """, data)
        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(try file.floats("a", shape: [2]), [1.5, -2])
        XCTAssertEqual(try file.floats("b", shape: [1, 2]), [1, -0.5])
        XCTAssertEqual(try file.floats("c", shape: [1]), [2])
        XCTAssertThrowsError(try file.floats("a", shape: [1, 2])) {
            XCTAssertEqual(($0 as? EmbeddingError)?.description, "\(path): tensor 'a' has shape [2], expected [1, 2]")
        }
        XCTAssertThrowsError(try file.floats("missing", shape: [1])) { XCTAssertEqual(($0 as? EmbeddingError)?.kind, .corrupt) }
    }

    func testCorruptFilesAreNamed() throws {
        let cases: [(String, [UInt8], String)] = [
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", [0, 0, 0, 0], "does not fit its byte range"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", Array(repeating: 0, count: 8), "does not fit its byte range"),
            ("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", [0], "unknown dtype Q4"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", [], "lacks dtype, shape or data_offsets"),
            ("[1, 2]", [], "the header is not a JSON object"),
            ("{not json", [], "the header is not a JSON object"),
        ]
        for (header, data, message) in cases {
            let path = try write(header, data)
            XCTAssertThrowsError(try SafeTensorsFile(path: path), header) {
                let e = $0 as? EmbeddingError
                XCTAssertEqual(e?.kind, .corrupt, header)
                XCTAssertTrue(e?.description.contains(message) == true, "\(e?.description ?? "")")
                XCTAssertFalse(e?.description.contains("\n") == true)
            }
        }
        // A header length past the end of the file, and a file shorter than the length field.
        let path = NSTemporaryDirectory() + "tern-st-short-\(UUID().uuidString)"
        try Data([255, 0, 0, 0, 0, 0, 0, 0, 123]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafeTensorsFile(path: path)) { XCTAssertTrue("\($0)".contains("header length 255 exceeds the file")) }
        try Data([1, 2]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafeTensorsFile(path: path)) { XCTAssertTrue("\($0)".contains("shorter than its 8-byte header length")) }
        try FileManager.default.removeItem(atPath: path)
        XCTAssertThrowsError(try SafeTensorsFile(path: path)) { XCTAssertEqual(($0 as? EmbeddingError)?.kind, .fileNotFound) }
    }
}
