import Foundation
import TernEmbeddings
import TernGGUF
import TernModels
import TernStore
import TernTraining
import XCTest

/// LoRA on the real default model's quantized weights against Hugging Face transformers on the
/// same weights dequantized by gguf-py (`scripts/gemma3_real_layers_reference.py`): its first six
/// layers (five sliding, one global), the tied 262,144-token embedding, rank-2 adapters on every
/// linear layer; loss to 1e-5 relative, every gradient by cosine ≥ 0.9999.
final class Gemma3RealLayersTests: XCTestCase {
    func testLoRAOnTheRealModelsFirstLayersMatchesTransformers() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "gemma3-real-lora", withExtension: "safetensors", subdirectory: "Fixtures"))
        let f = try SafeTensorsFile(path: url.path)
        func meta(_ key: String) throws -> String { try XCTUnwrap(f.metadata[key], key) }
        let layers = try XCTUnwrap(Int(try meta("layers"))), rank = try XCTUnwrap(Int(try meta("rank")))
        let alpha = try XCTUnwrap(Float(try meta("alpha")))

        // The real file cut to its first layers: the same tensors, byte for byte, and block_count.
        let real = try GGUFFile(path: ModelStore().resolve(ModelStore.defaultModelName))
        var w = GGUFWriter()
        for key in real.metadataKeys where !key.hasPrefix("tokenizer.") {
            w.add(key, key == "gemma3.block_count" ? .uint32(UInt32(layers)) : real.metadata[key]!)
        }
        for t in real.tensors where !t.name.hasPrefix("blk.") || Int(t.name.split(separator: ".")[1])! < layers {
            w.addTensor(name: t.name, shape: t.shape, type: t.type, data: Array(UnsafeRawBufferPointer(start: real.data(for: t), count: t.byteCount)))
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gemma3-cut-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let model = try XCTUnwrap(try ModelRegistry.load(GGUFFile(path: path), threads: 2) as? Gemma3)
        XCTAssertEqual(model.config.layers, layers)

        let trainer = Gemma3Training(model: model, mode: .lora(rank: rank, alpha: alpha))
        XCTAssertEqual(trainer.parameters.count, 2 * 7 * layers)
        for p in trainer.parameters {
            let t = try XCTUnwrap(f.tensors[p.name], p.name)
            p.set(try f.floats(p.name, shape: t.shape))
        }
        let tokens = try JSONDecoder().decode([Int].self, from: Data(try meta("tokens").utf8))
        let first = try XCTUnwrap(Int(try meta("first_target")))
        // Position t predicts token t + 1, for the targets from `first` on.
        let targets = (0..<tokens.count).map { t in t + 1 >= first && t + 1 < tokens.count ? tokens[t + 1] : -1 }
        let nll = trainer.run(tokens: tokens, starts: Array(repeating: 0, count: tokens.count), targets: targets, backward: true)
        let expected = try XCTUnwrap(Double(try meta("loss")))
        XCTAssertEqual(nll, expected, accuracy: 1e-5 * expected, "loss")
        for p in trainer.parameters {
            let name = "grad." + p.name, t = try XCTUnwrap(f.tensors[name], name)
            assertMatchesReference(p.grads, try f.floats(name, shape: t.shape), p.name)
        }
    }
}
