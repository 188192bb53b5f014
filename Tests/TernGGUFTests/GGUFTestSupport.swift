import Foundation
import TernGGUF
import TernKernels
import XCTest

/// Little-endian bytes built by hand, straight from the layout in ggml's docs/gguf.md, so reader
/// tests do not depend on GGUFWriter.
struct ByteBuilder {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func raw(_ s: String) { bytes += Array(s.utf8) }
    mutating func zeros(_ n: Int) { bytes += [UInt8](repeating: 0, count: n) }
    /// A GGUF string: u64 length, then the bytes.
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); raw(s) }

    /// magic, version, tensor count, metadata count: 24 bytes.
    mutating func header(version: UInt32 = 3, tensors: UInt64, keys: UInt64) {
        raw("GGUF")
        u32(version)
        u64(tensors)
        u64(keys)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator so fuzz cases are the same on
/// every run and every platform.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Copies bytes into memory owned by this object, to hand to `GGUFFile(bytes:owner:)`.
final class ByteBox {
    let buffer: UnsafeMutableRawBufferPointer

    let count: Int

    init(_ bytes: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        self.buffer = buffer
        count = bytes.count
    }

    deinit { buffer.deallocate() }
}

/// Parses `bytes` from memory, keeping a copy alive as the file's owner.
func parse(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile {
    let box = ByteBox(bytes)
    return try GGUFFile(bytes: UnsafeRawBufferPointer(start: box.buffer.baseAddress, count: box.count), owner: box)
}

/// The error `body` throws, failing the test when it throws none.
func expectGGUFError(_ body: () throws(GGUFError) -> GGUFFile, file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
    do {
        _ = try body()
        XCTFail("expected a GGUFError", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// Deterministic bytes for a tensor of `type` with `shape`.
func tensorBytes(_ type: GGMLType, _ shape: [Int], seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(state: seed)
    let count = type.rowBytes(shape.first ?? 1)! * shape.dropFirst().reduce(1, *)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
}

enum Samples {
    /// A header shaped like a small Gemma 3 GGUF: ~30 keys of every kind (a string array, a float
    /// array, an int array, a nested array) and 10 tensors of the types the real model uses.
    static func modelWriter(version: UInt32 = 3, vocabulary: Int = 64) -> GGUFWriter {
        var writer = GGUFWriter(version: version)
        writer.add("general.architecture", .string("gemma3"))
        writer.add("general.type", .string("model"))
        writer.add("general.name", .string("Gemma 3 Tiny"))
        writer.add("general.basename", .string("gemma-3"))
        writer.add("general.size_label", .string("1M"))
        writer.add("general.license", .string("gemma"))
        writer.add("general.tags", .array([.string("text-generation"), .string("tiny")]))
        writer.add("gemma3.context_length", .uint32(32768))
        writer.add("gemma3.embedding_length", .uint32(64))
        writer.add("gemma3.block_count", .uint32(1))
        writer.add("gemma3.feed_forward_length", .uint32(256))
        writer.add("gemma3.attention.head_count", .uint32(4))
        writer.add("gemma3.attention.layer_norm_rms_epsilon", .float32(1e-6))
        writer.add("gemma3.attention.key_length", .uint32(16))
        writer.add("gemma3.attention.value_length", .uint32(16))
        writer.add("gemma3.rope.freq_base", .float32(1_000_000))
        writer.add("gemma3.attention.sliding_window", .uint32(512))
        writer.add("gemma3.attention.head_count_kv", .uint32(1))
        writer.add("tokenizer.ggml.model", .string("llama"))
        writer.add("tokenizer.ggml.pre", .string("default"))
        writer.add("tokenizer.ggml.tokens", .array((0..<vocabulary).map { .string(token($0)) }))
        writer.add("tokenizer.ggml.scores", .array((0..<vocabulary).map { .float32(-Float($0) / 4) }))
        writer.add("tokenizer.ggml.token_type", .array((0..<vocabulary).map { .int32($0 < 4 ? 3 : 1) }))
        writer.add("tokenizer.ggml.bos_token_id", .uint32(2))
        writer.add("tokenizer.ggml.eos_token_id", .uint32(1))
        writer.add("tokenizer.ggml.add_bos_token", .bool(true))
        writer.add("tokenizer.ggml.add_eos_token", .bool(false))
        writer.add("test.nested", .array([.array([.uint8(1), .uint8(2)]), .array([.string("a")]), .array([])]))
        writer.add("test.offset", .int64(-5))
        writer.add("general.quantization_version", .uint32(2))
        writer.add("general.file_type", .uint32(15))

        let tensors: [(String, [Int], GGMLType)] = [
            ("output_norm.weight", [64], .f32),
            ("token_embd.weight", [64, 4], .q8_0),
            ("blk.0.attn_k.weight", [64, 2], .q5_0),
            ("blk.0.attn_k_norm.weight", [16], .f32),
            ("blk.0.attn_output.weight", [256, 2], .q4_K),
            ("blk.0.attn_q.weight", [64, 1, 1], .q5_0),
            ("blk.0.ffn_down.weight", [256, 1], .q6_K),
            ("blk.0.ffn_gate.weight", [32, 2, 1, 1], .q4_0),
            ("blk.0.ffn_up.weight", [256], .q5_K),
            ("blk.0.ffn_norm.weight", [8, 2], .f16),
        ]
        for (index, (name, shape, type)) in tensors.enumerated() {
            writer.addTensor(name: name, shape: shape, type: type, data: tensorBytes(type, shape, seed: UInt64(index)))
        }
        return writer
    }

    /// Token text with the variety of a real vocabulary: specials, SentencePiece spaces, bytes,
    /// multi-byte UTF-8.
    static func token(_ id: Int) -> String {
        switch id {
        case 0: return "<pad>"
        case 1: return "<eos>"
        case 2: return "<bos>"
        case 3: return "<unk>"
        default:
            let pieces = ["▁the", "<0x0A>", "é", "日本", "🦜", "▁", "a", "\u{0}"]
            return "\(pieces[id % pieces.count])\(id)"
        }
    }
}
