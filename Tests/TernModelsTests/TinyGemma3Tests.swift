import Foundation
import XCTest
import TernGGUF
import TernCKernels
import TernKernels
import TernModels

/// A tiny random-weight Gemma-3-shaped model (6 layers, so one is global; 12 tokens against a window
/// of 4), written with Tern's GGUF writer and compared with the NumPy reference in
/// scripts/gemma3_reference.py, which generated Fixtures/tiny-gemma3.json.
final class TinyGemma3Tests: XCTestCase {
    struct Fixture: Decodable {
        struct Tensor: Decodable { let shape: [Int]; let data: [Float] }
        let metadata: [String: JSONScalar]
        let metadata_types: [String: String]
        let tensors: [String: Tensor]
        let tokens: [Int]
        let logits: [[Float]]
        let llama_cpp_cpu_logits: [[Float]]  // fp16 GELU table and F16 KV cache, as Tern computes
    }

    enum JSONScalar: Decodable {
        case number(Double), string(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .string(try c.decode(String.self)) }
        }
    }

    static func loadFixture() throws -> Fixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "tiny-gemma3", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// Writes the fixture's weights as a GGUF file with Tern's writer and returns its path.
    static func writeModel(_ f: Fixture, architecture: String? = nil, dropping: String? = nil) throws -> String {
        var w = GGUFWriter()
        for key in f.metadata.keys.sorted() {
            let value: GGUFValue
            switch (f.metadata[key]!, f.metadata_types[key]) {
            case let (.string(s), _): value = .string(architecture.map { a in key == "general.architecture" ? a : s } ?? s)
            case let (.number(n), "uint32"): value = .uint32(UInt32(n))
            case let (.number(n), "float32"): value = .float32(Float(n))
            case let (.number(n), t): XCTFail("unexpected metadata type \(String(describing: t)) for \(key)"); value = .float64(n)
            }
            w.add(key, value)
        }
        for name in f.tensors.keys.sorted() where name != dropping {
            w.addTensor(name: name, shape: f.tensors[name]!.shape, floats: f.tensors[name]!.data)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-gemma3-\(UUID().uuidString).gguf").path
        try w.write(to: path)
        return path
    }

    /// Exact numerics (float KV cache, tanh GELU) against the float64 reference to 1e-4; llama.cpp's
    /// numerics (F16 KV cache, fp16 GELU table) against the reference that emulates them, to the
    /// size of one half-precision rounding step that float32 and float64 may take differently.
    func testForwardMatchesNumPyReference() throws {
        let f = try Self.loadFixture()
        try checkForward(f, numerics: .exact, expected: f.logits, tolerance: 1e-4)
        try checkForward(f, numerics: .llamaCpp, expected: f.llama_cpp_cpu_logits, tolerance: 5e-3)
    }

    private func checkForward(_ f: Fixture, numerics: Numerics, expected: [[Float]], tolerance: Float) throws {
        let path = try Self.writeModel(f)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try ModelRegistry.load(GGUFFile(path: path), threads: 2)
        let T = f.tokens.count, V = model.vocabularySize, C = model.hiddenSize
        XCTAssertEqual(V, expected[0].count)

        // Three ways through the same tokens: one batch, one token at a time (KV cache), and
        // uneven batches of 5 — all must give the reference logits.
        for batch in [T, 1, 5] {
            let state = model.makeState(contextSize: 32, maxBatch: batch, numerics: numerics)
            var hidden = [Float](repeating: 0, count: batch * C)
            var logits = [Float](repeating: 0, count: batch * V)
            var start = 0
            var worst: Float = 0
            while start < T {
                let end = min(start + batch, T)
                model.forward(f.tokens[start..<end], state: state, hidden: &hidden)
                model.logits(hidden, rows: end - start, state: state, out: &logits)
                for t in start..<end {
                    for v in 0..<V { worst = max(worst, abs(logits[(t - start) * V + v] - expected[t][v])) }
                }
                start = end
            }
            XCTAssertEqual(state.cache.count, T)
            XCTAssertLessThanOrEqual(worst, tolerance, "\(numerics) batch \(batch): max |Δlogit| = \(worst)")
        }
    }

    /// Three sequences forked from one prompt and decoded as one batch give, row for row, the
    /// logits each would get decoded alone; forking copies the prompt's cache, not its computation.
    /// Exact numerics: the batched and single paths add in different orders, and with half-precision
    /// rounding in the loop a 1e-7 difference can land on either side of a rounding step.
    func testBatchedDecodeOfForkedSequencesMatchesSingleDecode() throws {
        let f = try Self.loadFixture()
        let path = try Self.writeModel(f)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try ModelRegistry.load(GGUFFile(path: path), threads: 2)
        let V = model.vocabularySize, C = model.hiddenSize, prompt = f.tokens[..<7], next = [3, 17, 3]
        let base = model.makeState(contextSize: 16, maxBatch: 8, numerics: .exact)
        var hidden = [Float](repeating: 0, count: 8 * C)
        model.forward(prompt, state: base, hidden: &hidden)

        let caches = next.map { _ in KVCache(layers: base.cache.layers, capacity: 16, kvDim: base.cache.kvDim, halfPrecision: false) }
        for cache in caches { cache.copyPrefix(of: base.cache) }
        XCTAssertEqual(caches.map(\.count), [7, 7, 7])
        let scratch = model.makeState(contextSize: 1, maxBatch: 3, numerics: .exact)
        var batched = [Float](repeating: 0, count: 3 * V)
        model.forward(batch: next, caches: caches, scratch: scratch, hidden: &hidden)
        model.logits(hidden, rows: 3, state: scratch, out: &batched)
        XCTAssertEqual(caches.map(\.count), [8, 8, 8])

        for (i, token) in next.enumerated() {
            let alone = model.makeState(contextSize: 16, maxBatch: 8, numerics: .exact)
            var single = [Float](repeating: 0, count: V)
            model.forward(prompt, state: alone, hidden: &hidden)
            model.forward([token][...], state: alone, hidden: &hidden)
            model.logits(hidden, rows: 1, state: alone, out: &single)
            for v in 0..<V { XCTAssertEqual(batched[i * V + v], single[v], accuracy: 1e-5, "sequence \(i) logit \(v)") }
        }
    }

    func testUnknownArchitectureAndMissingTensorAreReported() throws {
        let f = try Self.loadFixture()
        let odd = try Self.writeModel(f, architecture: "mamba9")
        defer { try? FileManager.default.removeItem(atPath: odd) }
        XCTAssertThrowsError(try ModelRegistry.load(GGUFFile(path: odd), threads: 1)) { error in
            XCTAssertTrue("\(error)".hasPrefix("unknown architecture 'mamba9': Tern runs bitnet, bloom, deepseek2, falcon, gemma3, gpt2, llama, mamba2, qwen2"), "\(error)")
        }
        let partial = try Self.writeModel(f, dropping: "blk.3.ffn_up.weight")
        defer { try? FileManager.default.removeItem(atPath: partial) }
        XCTAssertThrowsError(try ModelRegistry.load(GGUFFile(path: partial), threads: 1)) { error in
            XCTAssertTrue("\(error)".contains("blk.3.ffn_up.weight"), "\(error)")
        }
    }

    /// The one-pass (online-softmax) attention over an F16 cache against softmax(q·Kᵀ)·V written
    /// out plainly in Double, with keys and values that are exact in half precision.
    func testOnlineAttentionMatchesTwoPassSoftmax() {
        let D = 16, n = 13, stride = 24
        let q = (0..<D).map { Float(sin(Double($0) + 1)) }
        let keys = (0..<n * stride).map { floatToHalf(Float(cos(Double($0) * 0.7)) * 3) }
        let values = (0..<n * stride).map { floatToHalf(Float(sin(Double($0) * 0.3))) }
        var scores = (2...9).map { j in (0..<D).reduce(0.0) { $0 + Double(q[$1]) * Double(halfToFloat(keys[j * stride + $1])) } }
        let top = scores.max()!
        scores = scores.map { exp($0 - top) }
        let total = scores.reduce(0, +)
        var out = [Float](repeating: 0, count: D), outF32 = out
        tern_attend_f16(q, 1, keys, values, keys, values, 0, Int64(stride), 2, 9, Int64(D), nil, &out)
        tern_attend_f32(q, 1, keys.map(halfToFloat), values.map(halfToFloat), keys.map(halfToFloat), values.map(halfToFloat), 0, Int64(stride), 2, 9, Int64(D), nil, &outF32)
        for d in 0..<D {
            let expected = (2...9).enumerated().reduce(0.0) {
                $0 + scores[$1.offset] / total * Double(halfToFloat(values[$1.element * stride + d]))
            }
            XCTAssertEqual(Double(out[d]), expected, accuracy: 1e-6, "f16 cache, d \(d)")
            XCTAssertEqual(Double(outF32[d]), expected, accuracy: 1e-6, "f32 cache, d \(d)")
        }
    }

    /// A forked sequence's cache reads its prompt from a shared base: attention over base and own
    /// rows is exactly attention over one cache holding all of them.
    func testAttentionOverASharedBaseMatchesACopy() {
        let D = 16, kvDim = 16, layers = 1, heads = 2
        let full = KVCache(layers: layers, capacity: 32, kvDim: kvDim), base = KVCache(layers: layers, capacity: 32, kvDim: kvDim)
        func row(_ p: Int, _ salt: Double) -> [Float] { (0..<kvDim).map { Float(sin(Double(p * kvDim + $0) * 0.37 + salt)) } }
        for p in 0..<12 {
            full.store(layer: 0, position: p, key: row(p, 0), value: row(p, 1))
            base.store(layer: 0, position: p, key: row(p, 0), value: row(p, 1))
        }
        base.count = 12
        let forked = KVCache(sharing: base, capacity: 32)
        XCTAssertEqual(forked.count, 12)
        for p in 12..<20 {
            full.store(layer: 0, position: p, key: row(p, 0), value: row(p, 1))
            forked.store(layer: 0, position: p, key: row(p, 0), value: row(p, 1))
        }
        full.count = 20
        forked.count = 20
        let copy = KVCache(layers: layers, capacity: 32, kvDim: kvDim)
        copy.copyPrefix(of: forked)  // shares the base, copies only the own rows
        XCTAssertTrue(copy.base === base)
        let q = (0..<heads * D).map { Float(cos(Double($0) * 0.9)) }
        for positions in [0...19, 5...19, 0...7, 13...19, 11...12] {
            var expected = [Float](repeating: 0, count: heads * D), got = expected, copied = expected
            full.attend(layer: 0, kvHead: 0, headDim: D, heads: heads, query: q, positions: positions, out: &expected)
            forked.attend(layer: 0, kvHead: 0, headDim: D, heads: heads, query: q, positions: positions, out: &got)
            copy.attend(layer: 0, kvHead: 0, headDim: D, heads: heads, query: q, positions: positions, out: &copied)
            for i in 0..<heads * D {
                XCTAssertEqual(got[i], expected[i], "\(positions) \(i)")
                XCTAssertEqual(copied[i], expected[i], "\(positions) \(i)")
            }
        }
    }
}
