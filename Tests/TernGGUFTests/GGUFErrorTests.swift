import Foundation
import TernGGUF
import TernKernels
import XCTest

/// Each malformed file is built by hand; offsets in the expected errors are counted from the
/// layout (24-byte header, then u64-length strings, u32 type ids, ...).
final class GGUFErrorTests: XCTestCase {
    private func error(_ bytes: ByteBuilder, file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
        expectGGUFError({ () throws(GGUFError) in try parse(bytes.bytes) }, file: file, line: line)
    }

    /// One tensor info: name, n_dims, dims, type, offset.
    private func tensorInfo(_ b: inout ByteBuilder, _ name: String, _ dims: [UInt64], type: UInt32, offset: UInt64 = 0) {
        b.string(name)
        b.u32(UInt32(dims.count))
        for dim in dims { b.u64(dim) }
        b.u32(type)
        b.u64(offset)
    }

    func testBadMagic() {
        var b = ByteBuilder()
        b.raw("GGML"); b.u32(3); b.u64(0); b.u64(0)
        let e = error(b)
        XCTAssertEqual(e, GGUFError(.notGGUF, field: "magic is \"GGML\", expected \"GGUF\"", offset: 0))
        XCTAssertEqual(
            e?.description,
            "not a GGUF file: magic is \"GGML\", expected \"GGUF\" at byte 0 — pass a .gguf model file "
                + "(convert other formats with llama.cpp's convert_hf_to_gguf.py)")

        var elf = ByteBuilder()
        elf.u32(0x464C_457F); elf.zeros(20)
        XCTAssertEqual(error(elf)?.field, "magic is 0x7f454c46, expected \"GGUF\"")
    }

    func testUnsupportedVersions() {
        var v1 = ByteBuilder()
        v1.header(version: 1, tensors: 0, keys: 0)
        let e = error(v1)
        XCTAssertEqual(e, GGUFError(.unsupportedVersion, field: "version 1", offset: 4))
        XCTAssertEqual(
            e?.description,
            "unsupported GGUF version: version 1 at byte 4 — Tern reads little-endian GGUF v2 and v3; "
                + "re-convert the model with a current llama.cpp")

        var v4 = ByteBuilder()
        v4.header(version: 4, tensors: 0, keys: 0)
        XCTAssertEqual(error(v4)?.field, "version 4")

        var bigEndian = ByteBuilder()
        bigEndian.header(version: 0x0300_0000, tensors: 0, keys: 0)
        XCTAssertEqual(error(bigEndian)?.field, "version 3, big-endian")
    }

    func testTruncatedTensorInfo() {
        var b = ByteBuilder()
        b.header(tensors: 1, keys: 0)
        b.string("blk.0.attn_q.weight")  // 24 + 8 + 19 = 51
        b.u32(2)                          // dims start at 55
        b.u32(640)                        // half of the first u64 dim
        let e = error(b)
        XCTAssertEqual(e, GGUFError(.truncated, field: "tensor info 'blk.0.attn_q.weight' dims", offset: 55))
        XCTAssertEqual(
            e?.description,
            "truncated file: tensor info 'blk.0.attn_q.weight' dims at byte 55 — re-download or re-pull the model")
    }

    func testUnsupportedTensorType() {
        var b = ByteBuilder()
        b.header(tensors: 1, keys: 0)
        tensorInfo(&b, "w", [256], type: 16)  // type id at 24 + 9 + 4 + 8 = 45
        b.zeros(512)
        let e = error(b)
        XCTAssertEqual(e, GGUFError(.unsupportedTensorType, field: "tensor 'w' has ggml type id 16 (IQ2_XXS)", offset: 45))
        XCTAssertEqual(
            e?.description,
            "unsupported tensor type: tensor 'w' has ggml type id 16 (IQ2_XXS) at byte 45 — use a model quantized "
                + "with one of \(GGMLType.allCases.map(\.description).joined(separator: ", "))")

        var unknown = ByteBuilder()
        unknown.header(tensors: 1, keys: 0)
        tensorInfo(&unknown, "w", [1], type: 99)
        XCTAssertEqual(error(unknown)?.field, "tensor 'w' has ggml type id 99")
    }

    func testTensorDataPastEndOfFile() {
        var b = ByteBuilder()
        b.header(tensors: 1, keys: 0)
        tensorInfo(&b, "w", [8], type: 0)  // ends at 24 + 9 + 4 + 8 + 4 + 8 = 57
        b.zeros(7)                          // data section at 64
        b.zeros(16)                         // half of the 32 bytes of 8 floats
        let e = error(b)
        XCTAssertEqual(
            e, GGUFError(.truncated, field: "tensor 'w' data (bytes 64..<96) lies past the end of the file (80 bytes)", offset: 64))
        b.zeros(16)
        XCTAssertNoThrow(try parse(b.bytes))

        var far = ByteBuilder()
        far.header(tensors: 1, keys: 0)
        tensorInfo(&far, "w", [8], type: 0, offset: UInt64(Int.max) - 31)
        XCTAssertEqual(error(far)?.kind, .truncated)
    }

    func testMissingFile() {
        let path = "/nonexistent-tern-dir/model.gguf"
        let e = expectGGUFError({ () throws(GGUFError) in try GGUFFile(path: path) })
        XCTAssertEqual(e?.kind, .fileNotFound)
        XCTAssertEqual(e?.path, path)
        XCTAssertEqual(e?.description, "/nonexistent-tern-dir/model.gguf: file not found — check the path, or pull the model again")
    }

    func testDirectoryAndEmptyFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-gguf-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertEqual(expectGGUFError({ () throws(GGUFError) in try GGUFFile(path: directory.path) })?.kind, .io)

        let empty = directory.appendingPathComponent("empty.gguf").path
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        let e = expectGGUFError({ () throws(GGUFError) in try GGUFFile(path: empty) })
        XCTAssertEqual(e, GGUFError(.truncated, field: "magic", offset: 0, path: empty))
        XCTAssertEqual(e?.description, "\(empty): truncated file: magic at byte 0 — re-download or re-pull the model")
    }

    func testHugeLengthsFailBeforeAllocating() {
        var key = ByteBuilder()
        key.header(tensors: 0, keys: 1)
        key.u64(1 << 63)
        key.zeros(16)
        XCTAssertEqual(error(key), GGUFError(
            .truncated, field: "metadata key #0 length is 9223372036854775808, more than the 16 bytes left can hold", offset: 24))

        var array = ByteBuilder()
        array.header(tensors: 0, keys: 1)
        array.string("a"); array.u32(9); array.u32(8); array.u64(.max)  // count at 24 + 9 + 4 + 4 = 41
        XCTAssertEqual(error(array), GGUFError(
            .truncated, field: "metadata 'a' count is 18446744073709551615, more than the 0 bytes left can hold", offset: 41))

        var tensors = ByteBuilder()
        tensors.header(tensors: 1 << 62, keys: 0)
        XCTAssertEqual(error(tensors)?.field, "tensor count is 4611686018427387904, more than the 8 bytes left can hold")
    }

    func testInvalidValues() {
        func metadata(_ body: (inout ByteBuilder) -> Void) -> GGUFError? {
            var b = ByteBuilder()
            b.header(tensors: 0, keys: 1)
            body(&b)
            return error(b)
        }
        XCTAssertEqual(metadata { $0.string("k"); $0.u32(13); $0.u32(0) },
                       GGUFError(.invalidValue, field: "metadata 'k' type id 13 is unknown", offset: 33))
        XCTAssertEqual(metadata { $0.string("k"); $0.u32(8); $0.u64(2); $0.u8(0xC3); $0.u8(0x28) },
                       GGUFError(.invalidValue, field: "metadata 'k' is not valid UTF-8", offset: 37))
        XCTAssertEqual(metadata { $0.u64(1); $0.u8(0xFF); $0.u32(0); $0.u8(0) },
                       GGUFError(.invalidValue, field: "metadata key #0 is not valid UTF-8", offset: 24))
        XCTAssertEqual(metadata { $0.string("k"); $0.u32(7); $0.u8(2) },
                       GGUFError(.invalidValue, field: "metadata 'k' is bool 2, not 0 or 1", offset: 37))
        XCTAssertEqual(metadata { $0.string("k"); $0.u32(9); $0.u32(42); $0.u64(0) },
                       GGUFError(.invalidValue, field: "metadata 'k' element type id 42 is unknown", offset: 37))
        XCTAssertEqual(metadata { b in
            b.string("k")
            b.u32(9)
            for _ in 0..<40 { b.u32(9); b.u64(1) }
        }?.field, "metadata 'k'[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0] nests arrays more than 16 deep")
    }

    func testDuplicateKeysAndTensorNames() {
        var keys = ByteBuilder()
        keys.header(tensors: 0, keys: 2)
        keys.string("k"); keys.u32(0); keys.u8(1)
        keys.string("k"); keys.u32(0); keys.u8(2)  // second key at 24 + 14 = 38
        XCTAssertEqual(error(keys), GGUFError(.invalidValue, field: "metadata key 'k' appears twice", offset: 38))

        var tensors = ByteBuilder()
        tensors.header(tensors: 2, keys: 0)
        tensorInfo(&tensors, "w", [1], type: 0)
        tensorInfo(&tensors, "w", [1], type: 0, offset: 32)  // second info at 24 + 33 = 57
        tensors.zeros(64)
        XCTAssertEqual(error(tensors), GGUFError(.invalidValue, field: "tensor name 'w' appears twice", offset: 57))
    }

    func testAlignmentMustBeAPowerOfTwoUInt32() {
        for (type, value, text) in [(UInt32(4), UInt64(24), "uint32(24)"), (4, 0, "uint32(0)"), (5, 32, "int32(32)")] {
            var b = ByteBuilder()
            b.header(tensors: 0, keys: 1)
            b.string("general.alignment"); b.u32(type); b.u32(UInt32(value))  // value at 24 + 25 + 4 = 53
            XCTAssertEqual(error(b), GGUFError(
                .invalidValue, field: "metadata 'general.alignment' is \(text), not a nonzero power-of-two uint32", offset: 53))
        }
    }

    func testBadTensorShapes() {
        func info(_ dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0) -> GGUFError? {
            var b = ByteBuilder()
            b.header(tensors: 1, keys: 0)
            tensorInfo(&b, "w", dims, type: type, offset: offset)
            b.zeros(1024)
            return error(b)
        }
        // n_dims at 24 + 9 = 33, first dim at 37.
        XCTAssertEqual(info([1, 1, 1, 1, 1]), GGUFError(.invalidValue, field: "tensor info 'w' n_dims is 5, more than 4", offset: 33))
        XCTAssertEqual(info([4, .max]), GGUFError(.invalidValue, field: "tensor info 'w' dim 1 is negative (-1)", offset: 45))
        XCTAssertEqual(info([1 << 32, 1 << 32]),
                       GGUFError(.invalidValue, field: "tensor info 'w' shape [4294967296, 4294967296] has too many elements", offset: 45))
        XCTAssertEqual(info([33], type: 8),
                       GGUFError(.invalidValue, field: "tensor info 'w' row length 33 is not a multiple of the Q8_0 block size 32", offset: 33))
        XCTAssertEqual(info([1 << 62]), GGUFError(.invalidValue, field: "tensor info 'w' shape [4611686018427387904] needs more bytes than Int.max", offset: 33))
        XCTAssertEqual(info([1], offset: 16),
                       GGUFError(.invalidValue, field: "tensor info 'w' offset 16 is not a multiple of the alignment 32", offset: 49))
        XCTAssertEqual(info([1], offset: .max)?.kind, .truncated)
        XCTAssertNoThrow(try { () throws(GGUFError) in
            var b = ByteBuilder()
            b.header(tensors: 2, keys: 0)
            tensorInfo(&b, "scalar", [], type: 0)
            tensorInfo(&b, "empty", [0, 5], type: 8, offset: 32)
            b.zeros(64)
            let file = try parse(b.bytes)
            XCTAssertEqual(file.tensors.map(\.elementCount), [1, 0])
            XCTAssertEqual(file.tensors.map(\.byteCount), [4, 0])
        }())
    }
}
