import Foundation
import TernGGUF
import TernKernels
import TernStore
import XCTest

/// `tern quantize`'s parts against llama.cpp: the block quantizers against ggml's own output
/// (scripts/quantizer_reference.py), whole files against llama-quantize's (the tiny zoo models,
/// every preset), and the per-tensor type rules by hand.
final class GGUFQuantizerTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    private static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TernModelsTests/Fixtures/zoo").standardized

    /// Sixteen rows built to reach every branch (outliers, zero and constant blocks, tiny and large
    /// values, rounding ties), quantized by ggml_quantize_chunk: every byte must match.
    func testQuantizersMatchGGMLByteForByte() throws {
        let golden = try GGUFFile(path: Self.fixtures.appendingPathComponent("quantizer_golden.gguf").path)
        let input = try XCTUnwrap(golden.tensor(named: "input"))
        let cols = input.shape[0], rows = input.shape[1]
        let x = UnsafeRawBufferPointer(start: golden.data(for: input), count: input.byteCount)
        let floats = (0..<rows * cols).map { x.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
        for type in [GGMLType.q8_0, .q4_0, .q5_0, .q4_1, .q5_1, .q4_K, .q5_K, .q6_K, .tq1_0, .tq2_0] {
            let expected = try XCTUnwrap(golden.tensor(named: type.description), "\(type)")
            XCTAssertEqual(expected.type, type)
            let want = Array(UnsafeRawBufferPointer(start: golden.data(for: expected), count: expected.byteCount))
            let got = quantizeRows(floats, rows: rows, cols: cols, to: type)
            XCTAssertEqual(got.count, want.count, "\(type)")
            let rowBytes = type.rowBytes(cols)!
            for row in 0..<rows {
                let range = row * rowBytes..<(row + 1) * rowBytes
                if let byte = range.first(where: { got[$0] != want[$0] }) {
                    XCTFail("\(type) row \(row): first difference at byte \(byte - range.lowerBound) (\(got[byte]) vs ggml's \(want[byte]))")
                }
            }
        }
    }

    /// Q8_0 and Q4_0 on a block worked out by hand: x = j - 16 for j = 0 ..< 32.
    func testBlocksByHand() {
        let x = (0..<32).map { Float($0 - 16) }
        // Q8_0: d = 16 / 127, and each q = round(x · 127 / 16) (7.9375 per unit, exact in float).
        let q8 = quantizeRows(x, rows: 1, cols: 32, to: .q8_0)
        XCTAssertEqual(halfToFloat(UInt16(q8[0]) | UInt16(q8[1]) << 8), Float(floatToHalfValue(16.0 / 127)))
        XCTAssertEqual(Int8(bitPattern: q8[2]), -127)  // -16 · 7.9375
        XCTAssertEqual(Int8(bitPattern: q8[2 + 17]), 8)  // 1 · 7.9375 = 7.9375
        XCTAssertEqual(Int8(bitPattern: q8[2 + 18]), 16)  // 15.875
        XCTAssertEqual(Int8(bitPattern: q8[2 + 31]), 119)  // 15 · 7.9375 = 119.0625
        // Q4_0: the largest magnitude is -16, so d = -16 / -8 = 2 and q = trunc(x / 2 + 8.5), at most 15.
        let q4 = quantizeRows(x, rows: 1, cols: 32, to: .q4_0)
        XCTAssertEqual(halfToFloat(UInt16(q4[0]) | UInt16(q4[1]) << 8), 2)
        XCTAssertEqual(q4[2] & 15, 0)  // x = -16: -8 + 8.5 = 0.5 → 0
        XCTAssertEqual(q4[2] >> 4, 8)  // x = 0 (j = 16): 8.5 → 8
        XCTAssertEqual(q4[2 + 15] >> 4, 15)  // x = 15: 7.5 + 8.5 = 16 → 15
        XCTAssertEqual(q4[2 + 3] & 15, 2)  // x = -13: -6.5 + 8.5 = 2
    }

    /// Every preset on every tiny zoo model (and three from an F16 copy of one): the file's SHA-256
    /// equals llama-quantize's on the same input.
    func testEveryPresetMatchesLlamaQuantize() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("presets.json"))
        let expected = try JSONDecoder().decode([String: String].self, from: data)
        XCTAssertEqual(expected.count, 135)
        let dir = try temporaryDirectory()
        for (key, sha) in expected.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "/").map(String.init)
            let preset = try XCTUnwrap(QuantizationPreset(name: parts[1]), key)
            let out = dir.appendingPathComponent("\(parts[0])-\(parts[1]).gguf").path
            let source = parts[0] == "llama-F16" ? Self.fixtures.appendingPathComponent("llama-F16.gguf")  // an F16 source
                                                 : Self.zoo.appendingPathComponent("\(parts[0])/model.gguf")
            try GGUFQuantizer(path: source.path, preset: preset).write(to: out)
            XCTAssertEqual(SHA256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: out)))).hex, sha, key)
        }
        // The committed Q8_0 and Q4_K_M files were made by llama-quantize too: equal bytes.
        for arch in ["llama", "qwen3moe", "gpt2"] {
            for preset in [QuantizationPreset.q8_0, .q4_K_M] {
                let out = dir.appendingPathComponent("\(arch)-check.gguf").path
                try GGUFQuantizer(path: Self.zoo.appendingPathComponent("\(arch)/model.gguf").path, preset: preset).write(to: out)
                let theirs = try Data(contentsOf: Self.zoo.appendingPathComponent("\(arch)/model-\(preset.rawValue).gguf"))
                XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: out)) == theirs, "\(arch) \(preset)")
            }
        }
    }

    /// llama-quantize's type rules, worked out by hand for a 12-layer Llama whose rows are whole
    /// 256-blocks: Q6_K for attn_v and ffn_down where use_more_bits holds (layers 0, 3, 6, 9, 10, 11
    /// of 12), Q6_K for the output matrix, float norms, fallbacks for odd row lengths.
    func testTypeRulesByHand() throws {
        let path = try syntheticLlama(layers: 12, tied: false)
        let recipe = try QuantizationRecipe(file: GGUFFile(path: path), preset: .q4_K_M)
        let types = Dictionary(uniqueKeysWithValues: recipe.entries.map { ($0.tensor.name, $0.type) })
        let more: Set = [0, 3, 6, 9, 10, 11]
        for layer in 0..<12 {
            let extra: GGMLType = more.contains(layer) ? .q6_K : .q4_K
            XCTAssertEqual(types["blk.\(layer).attn_v.weight"], extra, "layer \(layer)")
            XCTAssertEqual(types["blk.\(layer).ffn_down.weight"], extra, "layer \(layer)")
            XCTAssertEqual(types["blk.\(layer).attn_q.weight"], .q4_K)
            XCTAssertEqual(types["blk.\(layer).attn_norm.weight"], .f32)
        }
        XCTAssertEqual(types["output.weight"], .q6_K)
        XCTAssertEqual(types["token_embd.weight"], .q4_K)  // untied: the preset's type
        XCTAssertEqual(types["blk.0.ffn_up.weight"], .q5_0)  // 96 columns: not whole 256-blocks
        XCTAssertEqual(types["blk.1.ffn_up.weight"], .f16)  // 48 columns: not even whole 32-blocks
        XCTAssertEqual(recipe.fallbacks.count, 2)
        // Written by layer number, not as text: blk.9 before blk.10; tensors outside layers first.
        let order = recipe.entries.map(\.tensor.name)
        XCTAssertEqual(Array(order.prefix(3)), ["output.weight", "output_norm.weight", "token_embd.weight"])
        XCTAssertLessThan(order.firstIndex(of: "blk.9.ffn_down.weight")!, order.firstIndex(of: "blk.10.attn_k.weight")!)

        let small = try QuantizationRecipe(file: GGUFFile(path: path), preset: .q4_K_S)
        let smallTypes = Dictionary(uniqueKeysWithValues: small.entries.map { ($0.tensor.name, $0.type) })
        XCTAssertEqual((0..<12).map { smallTypes["blk.\($0).attn_v.weight"]! }, Array(repeating: .q5_K, count: 4) + Array(repeating: .q4_K, count: 8))
        XCTAssertEqual((0..<12).map { smallTypes["blk.\($0).ffn_down.weight"]! }, [.q5_K] + Array(repeating: .q4_K, count: 11))

        // Tied embeddings (no output.weight): the embeddings are the output matrix, so Q6_K; Q8_0 stays Q8_0.
        let tied = try syntheticLlama(layers: 2, tied: true)
        XCTAssertEqual(try QuantizationRecipe(file: GGUFFile(path: tied), preset: .q4_0).entries.first { $0.tensor.name == "token_embd.weight" }?.type, .q6_K)
        XCTAssertEqual(try QuantizationRecipe(file: GGUFFile(path: tied), preset: .q8_0).entries.first { $0.tensor.name == "token_embd.weight" }?.type, .q8_0)
        // Eight experts: attn_v and attn_k Q8_0, attn_output Q5_K.
        let moe = try syntheticLlama(layers: 2, tied: false, experts: 8)
        let moeTypes = Dictionary(uniqueKeysWithValues: try QuantizationRecipe(file: GGUFFile(path: moe), preset: .q4_K_M).entries.map { ($0.tensor.name, $0.type) })
        XCTAssertEqual(moeTypes["blk.1.attn_v.weight"], .q8_0)
        XCTAssertEqual(moeTypes["blk.1.attn_k.weight"], .q8_0)
        XCTAssertEqual(moeTypes["blk.1.attn_output.weight"], .q5_K)
    }

    /// A failure while the file is being written leaves neither the file nor a temporary behind,
    /// and an existing file at the path is kept as it was.
    func testFailedWriteLeavesNothing() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("out.gguf")
        try Data("previous".utf8).write(to: out)
        var writer = GGUFWriter()
        writer.add("general.architecture", .string("llama"))
        let entries = (0..<3).map { GGUFWriter.TensorEntry(name: "t\($0)", shape: [8], type: .f32, byteCount: 32) }
        struct Interrupted: Error {}
        XCTAssertThrowsError(try writer.write(to: out.path, streaming: entries) { index, emit in
            if index == 2 { throw Interrupted() }
            try [Float](repeating: 1, count: 8).withUnsafeBytes { try emit($0) }
        })
        XCTAssertEqual(try Data(contentsOf: out), Data("previous".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.gguf"])
        // A source that is not a model: a GGUFError before anything is written.
        let junk = dir.appendingPathComponent("junk.gguf")
        try Data("not a model".utf8).write(to: junk)
        XCTAssertThrowsError(try GGUFQuantizer(path: junk.path, preset: .q8_0)) { XCTAssertTrue($0 is GGUFError) }
    }

    // MARK: - Helpers

    /// A Llama-shaped F32 GGUF with 256-column rows (two odd-width ffn_up tensors for fallbacks).
    private func syntheticLlama(layers: Int, tied: Bool, experts: Int = 0) throws -> String {
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        w.add("llama.block_count", .uint32(UInt32(layers)))
        if experts > 0 { w.add("llama.expert_count", .uint32(UInt32(experts))) }
        var seed = SplitMix64(state: 7)
        func add(_ name: String, _ shape: [Int]) {
            let count = shape.reduce(1, *)
            w.addTensor(name: name, shape: shape, floats: (0..<count).map { _ in Float(Int(seed.next() % 2001) - 1000) / 1000 })
        }
        add("token_embd.weight", [256, 4])
        if !tied { add("output.weight", [256, 4]) }
        add("output_norm.weight", [256])
        for layer in 0..<layers {
            for name in ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down"] { add("blk.\(layer).\(name).weight", [256, 2]) }
            add("blk.\(layer).ffn_up.weight", layer == 0 ? [96, 2] : layer == 1 ? [48, 2] : [256, 2])
            add("blk.\(layer).attn_norm.weight", [256])
        }
        let path = try temporaryDirectory().appendingPathComponent("synthetic.gguf").path
        try w.write(to: path)
        return path
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tern-quantize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// The float a half rounds `x` to.
    private func floatToHalfValue(_ x: Double) -> Float { halfToFloat(floatToHalf(Float(x))) }
}
