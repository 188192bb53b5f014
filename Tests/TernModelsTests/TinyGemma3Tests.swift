import Foundation
import XCTest
import TernGGUF
import TernKernels
@testable import TernModels

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

    func testForwardMatchesNumPyReference() throws {
        let f = try Self.loadFixture()
        let path = try Self.writeModel(f)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try ModelRegistry.load(GGUFFile(path: path), threads: 2)
        let T = f.tokens.count, V = model.vocabularySize, C = model.hiddenSize
        XCTAssertEqual(V, f.logits[0].count)

        // Three ways through the same tokens: one batch, one token at a time (KV cache), and
        // uneven batches of 5 — all must give the reference logits.
        for batch in [T, 1, 5] {
            let state = model.makeState(contextSize: 32, maxBatch: batch)
            var hidden = [Float](repeating: 0, count: batch * C)
            var logits = [Float](repeating: 0, count: batch * V)
            var start = 0
            var worst: Float = 0
            while start < T {
                let end = min(start + batch, T)
                model.forward(f.tokens[start..<end], state: state, hidden: &hidden)
                model.logits(hidden, rows: end - start, out: &logits)
                for t in start..<end {
                    for v in 0..<V { worst = max(worst, abs(logits[(t - start) * V + v] - f.logits[t][v])) }
                }
                start = end
            }
            XCTAssertEqual(state.cache.count, T)
            XCTAssertLessThanOrEqual(worst, 1e-4, "batch \(batch): max |Δlogit| = \(worst)")
        }
    }

    func testUnknownArchitectureAndMissingTensorAreReported() throws {
        let f = try Self.loadFixture()
        let odd = try Self.writeModel(f, architecture: "mamba9")
        defer { try? FileManager.default.removeItem(atPath: odd) }
        XCTAssertThrowsError(try ModelRegistry.load(GGUFFile(path: odd), threads: 1)) { error in
            XCTAssertEqual("\(error)", "unknown architecture 'mamba9': Tern runs gemma3")
        }
        let partial = try Self.writeModel(f, dropping: "blk.3.ffn_up.weight")
        defer { try? FileManager.default.removeItem(atPath: partial) }
        XCTAssertThrowsError(try ModelRegistry.load(GGUFFile(path: partial), threads: 1)) { error in
            XCTAssertTrue("\(error)".contains("blk.3.ffn_up.weight"), "\(error)")
        }
    }

    /// The one-pass (online-softmax) attention against softmax(q·Kᵀ)·V written out plainly.
    func testOnlineAttentionMatchesTwoPassSoftmax() {
        let D = 8, n = 13, stride = 16
        let q = (0..<D).map { Float(sin(Double($0) + 1)) }
        let keys = (0..<n * stride).map { Float(cos(Double($0) * 0.7)) * 3 }
        let values = (0..<n * stride).map { Float(sin(Double($0) * 0.3)) }
        var out = [Float](repeating: 0, count: D)
        attendOnline(query: q, keys: keys, values: values, stride: stride, range: 2...9, headDim: D, out: &out)
        var scores = (2...9).map { j in (0..<D).reduce(Float(0)) { $0 + q[$1] * keys[j * stride + $1] } }
        softmax(&scores, scores.count)
        for d in 0..<D {
            let expected = (2...9).enumerated().reduce(Float(0)) { $0 + scores[$1.offset] * values[$1.element * stride + d] }
            XCTAssertEqual(out[d], expected, accuracy: 1e-5)
        }
    }
}
