import Foundation
import TernGGUF
import TernKernels
import XCTest

final class GGUFRoundTripTests: XCTestCase {
    /// One value of every metadata type, with edge values, plus nested and empty arrays.
    static let everyValue: [(String, GGUFValue)] = [
        ("u8", .uint8(255)), ("i8", .int8(-128)), ("u16", .uint16(65535)), ("i16", .int16(-32768)),
        ("u32", .uint32(4_294_967_295)), ("i32", .int32(-2_147_483_648)),
        ("u64", .uint64(18_446_744_073_709_551_615)), ("i64", .int64(-9_223_372_036_854_775_808)),
        ("f32", .float32(-1.5e-7)), ("f32.inf", .float32(.infinity)), ("f32.sub", .float32(.leastNonzeroMagnitude)),
        ("f64", .float64(3.141592653589793)), ("t", .bool(true)), ("f", .bool(false)),
        ("s", .string("héllo ✓ 🦜")), ("s.empty", .string("")),
        ("a.u8", .array([.uint8(0), .uint8(7)])), ("a.i64", .array([.int64(-1), .int64(1 << 40)])),
        ("a.f32", .array([.float32(0.25), .float32(-2)])), ("a.f64", .array([.float64(1e300)])),
        ("a.bool", .array([.bool(true), .bool(false)])), ("a.s", .array([.string("x"), .string(""), .string("▁yz")])),
        ("a.empty", .array([])),
        ("a.nested", .array([.array([.uint16(1), .uint16(2)]), .array([.string("deep")]), .array([])])),
        ("a.nested3", .array([.array([.array([.int8(-3)])])])),
    ]

    func testEveryValueTypeRoundTripsInV2AndV3() throws {
        for version: UInt32 in [2, 3] {
            var writer = GGUFWriter(version: version)
            for (key, value) in Self.everyValue { writer.add(key, value) }
            let file = try parse(writer.serialized())
            XCTAssertEqual(file.version, version)
            XCTAssertEqual(file.metadataKeys, Self.everyValue.map(\.0))
            for (key, value) in Self.everyValue {
                XCTAssertEqual(file.metadata[key], value, "\(key) in v\(version)")
            }
            XCTAssertEqual(file.metadata["f32"]?.float?.bitPattern, Float(-1.5e-7).bitPattern)
            XCTAssertTrue(file.tensors.isEmpty)
            XCTAssertEqual(file.alignment, 32)
        }
    }

    func testTensorsOfSeveralTypesRoundTrip() throws {
        for alignment in [1, 32, 64, 4096] {
            let writer = Samples.modelWriter()
            var aligned = GGUFWriter(version: 3, alignment: alignment)
            let original = try parse(writer.serialized())
            for key in original.metadataKeys { aligned.add(key, original.metadata[key]!) }
            for tensor in original.tensors {
                let bytes = UnsafeRawBufferPointer(start: original.data(for: tensor), count: tensor.byteCount)
                aligned.addTensor(name: tensor.name, shape: tensor.shape, type: tensor.type, data: Array(bytes))
            }
            let file = try parse(aligned.serialized())
            XCTAssertEqual(file.alignment, alignment)
            XCTAssertEqual(file.metadata["general.alignment"], alignment == 32 ? nil : .uint32(UInt32(alignment)))
            XCTAssertEqual(file.dataOffset % alignment, 0)
            XCTAssertEqual(file.tensors.map(\.name), original.tensors.map(\.name))
            for (index, tensor) in file.tensors.enumerated() {
                let expected = original.tensors[index]
                XCTAssertEqual(tensor.shape, expected.shape)
                XCTAssertEqual(tensor.type, expected.type)
                XCTAssertEqual(tensor.offset % alignment, 0)
                let data = Array(UnsafeRawBufferPointer(start: file.data(for: tensor), count: tensor.byteCount))
                XCTAssertEqual(data, tensorBytes(tensor.type, tensor.shape, seed: UInt64(index)), tensor.name)
            }
        }
    }

    /// Sizes by hand from ggml-common.h: Q8_0 34 bytes per 32, Q4_K 144 per 256, Q6_K 210 per 256.
    func testTensorInfoSizes() throws {
        let file = try parse(Samples.modelWriter().serialized())
        let expected: [String: (elements: Int, bytes: Int)] = [
            "output_norm.weight": (64, 256), "token_embd.weight": (256, 8 * 34), "blk.0.attn_k.weight": (128, 4 * 22),
            "blk.0.attn_output.weight": (512, 2 * 144), "blk.0.ffn_down.weight": (256, 210),
            "blk.0.ffn_gate.weight": (64, 2 * 18), "blk.0.ffn_up.weight": (256, 176), "blk.0.ffn_norm.weight": (16, 32),
        ]
        for (name, sizes) in expected {
            let tensor = try XCTUnwrap(file.tensor(named: name))
            XCTAssertEqual(tensor.elementCount, sizes.elements, name)
            XCTAssertEqual(tensor.byteCount, sizes.bytes, name)
        }
        XCTAssertNil(file.tensor(named: "missing"))
        XCTAssertEqual(file.architecture, "gemma3")
    }

    /// The writer's bytes match the layout in ggml's docs/gguf.md, built here field by field.
    func testWriterLayoutMatchesSpecByteForByte() {
        var writer = GGUFWriter()
        writer.add("a", .uint32(7))
        writer.add("b", .array([.string("x"), .string("yz")]))
        writer.addTensor(name: "t", shape: [2], floats: [1, 2])

        var expected = ByteBuilder()
        expected.header(tensors: 1, keys: 2)                 // 24 bytes
        expected.string("a"); expected.u32(4); expected.u32(7)  // +17 = 41
        expected.string("b"); expected.u32(9); expected.u32(8); expected.u64(2)
        expected.string("x"); expected.string("yz")          // +44 = 85
        expected.string("t"); expected.u32(1); expected.u64(2); expected.u32(0); expected.u64(0)  // +33 = 118
        expected.zeros(10)                                   // pad to 128
        expected.u32(0x3F80_0000); expected.u32(0x4000_0000) // 1.0, 2.0
        expected.zeros(24)                                   // pad to 160
        XCTAssertEqual(writer.serialized(), expected.bytes)
    }

    func testAddReplacesAnExistingKey() throws {
        var writer = GGUFWriter()
        writer.add("k", .uint8(1))
        writer.add("other", .bool(true))
        writer.add("k", .string("two"))
        let file = try parse(writer.serialized())
        XCTAssertEqual(file.metadataKeys, ["k", "other"])
        XCTAssertEqual(file.metadata["k"], .string("two"))
    }

    func testFileRoundTripThroughDiskAndMmap() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-gguf-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tiny.gguf").path

        let writer = Samples.modelWriter()
        try writer.write(to: path)
        try writer.write(to: path)  // replaces the file in place
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["tiny.gguf"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data(writer.serialized()))

        let file = try GGUFFile(path: path)
        let norm = try XCTUnwrap(file.tensor(named: "output_norm.weight"))
        let data = Array(UnsafeRawBufferPointer(start: file.data(for: norm), count: norm.byteCount))
        XCTAssertEqual(data, tensorBytes(.f32, [64], seed: 0))
    }

    func testWriteToAMissingDirectoryThrowsIOError() {
        let writer = GGUFWriter()
        XCTAssertThrowsError(try writer.write(to: "/nonexistent-tern-dir/x.gguf")) { error in
            XCTAssertEqual((error as? GGUFError)?.kind, .io)
        }
    }

    func testOwnerLivesAsLongAsTheFile() throws {
        weak var weakBox: ByteBox?
        var file: GGUFFile? = try {
            let box = ByteBox(Samples.modelWriter().serialized())
            weakBox = box
            return try GGUFFile(bytes: UnsafeRawBufferPointer(box.buffer), owner: box)
        }()
        XCTAssertNotNil(weakBox)
        XCTAssertEqual(file?.tensors.count, 10)
        file = nil
        XCTAssertNil(weakBox)
    }

    func testValueAccessors() {
        XCTAssertEqual(GGUFValue.uint32(7).int, 7)
        XCTAssertEqual(GGUFValue.int8(-3).int, -3)
        XCTAssertEqual(GGUFValue.uint64(.max).int, nil)
        XCTAssertEqual(GGUFValue.int64(.min).int, Int.min)
        XCTAssertNil(GGUFValue.float32(1).int)
        XCTAssertNil(GGUFValue.bool(true).int)
        XCTAssertEqual(GGUFValue.float64(0.5).float, 0.5)
        XCTAssertEqual(GGUFValue.uint16(3).float, 3)
        XCTAssertNil(GGUFValue.string("1").float)
        XCTAssertEqual(GGUFValue.string("s").string, "s")
        XCTAssertNil(GGUFValue.uint8(1).string)
        XCTAssertEqual(GGUFValue.bool(false).bool, false)
        XCTAssertNil(GGUFValue.uint8(1).bool)
        XCTAssertEqual(GGUFValue.array([.uint8(1)]).array, [.uint8(1)])
        XCTAssertEqual(GGUFValue.array([.string("a"), .string("b")]).strings, ["a", "b"])
        XCTAssertNil(GGUFValue.array([.string("a"), .uint8(1)]).strings)
        XCTAssertEqual(GGUFValue.array([.float32(0.5), .int32(2)]).floats, [0.5, 2])
        XCTAssertEqual(GGUFValue.array([.int32(-1), .uint8(2)]).ints, [-1, 2])
        XCTAssertNil(GGUFValue.array([.float32(1)]).ints)
        XCTAssertNil(GGUFValue.string("x").ints)
        XCTAssertEqual(GGUFValue.array([]).strings, [])
    }
}
