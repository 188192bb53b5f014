import Foundation
import TernStore
import TernTraining
import XCTest

/// The adapter files read back by independent readers in Tern's Python environment: the GGUF by
/// llama.cpp's gguf-py (llama.cpp's metadata keys, tensor names and shapes), the PEFT folder by the
/// `safetensors` package (PEFT's key names, PyTorch's shapes, the same values).
final class AdapterExportTests: XCTestCase {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/gguf_readback.py").path

    func testGGUFPyReadsTheAdapterAsLlamaCppNamesIt() throws {
        let trainer = Gemma3Training(model: try Gemma3TrainingTests.tinyModel(seed: 50),
                                     mode: .lora(rank: 2, alpha: 16, targets: [.q, .v, .down]))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", to: path)

        let run = try PythonEnvironment().run([Self.script, path, "--no-data"], requirements: ["gguf"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let metadata = try XCTUnwrap(json["metadata"] as? [[Any]])
        var values: [String: [Any]] = [:]
        for pair in metadata { values[pair[0] as! String] = pair[1] as? [Any] }
        XCTAssertEqual(values["general.type"]?.last as? String, "adapter")
        XCTAssertEqual(values["adapter.type"]?.last as? String, "lora")
        XCTAssertEqual(values["general.architecture"]?.last as? String, "gemma3")
        XCTAssertEqual(values["adapter.lora.alpha"]?.first as? String, "FLOAT32")
        XCTAssertEqual(values["adapter.lora.alpha"]?.last as? String, String(Float(16).bitPattern, radix: 16))
        let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.count, 6 * 3 * 2)
        var shapes: [String: [Int]] = [:]
        for t in tensors { shapes[t["name"] as! String] = t["shape"] as? [Int] }
        let C = Gemma3TrainingTests.C, D = Gemma3TrainingTests.D, F = Gemma3TrainingTests.F
        XCTAssertEqual(shapes["blk.0.attn_q.weight.lora_a"], [C, 2])
        XCTAssertEqual(shapes["blk.0.attn_q.weight.lora_b"], [2, Gemma3TrainingTests.H * D])
        XCTAssertEqual(shapes["blk.5.attn_v.weight.lora_b"], [2, Gemma3TrainingTests.Hkv * D])
        XCTAssertEqual(shapes["blk.3.ffn_down.weight.lora_a"], [F, 2])
        XCTAssertEqual(shapes["blk.3.ffn_down.weight.lora_b"], [2, C])
        XCTAssertTrue(tensors.allSatisfy { $0["type"] as? String == "F32" })
    }

    func testSafetensorsReadsThePEFTAdapter() throws {
        let trainer = Gemma3Training(model: try Gemma3TrainingTests.tinyModel(seed: 51), mode: .lora(rank: 3, alpha: 6, targets: [.k, .o, .gate]))
        var rng = TestRandom(52)
        for a in trainer.adapters { a.b.set(rng.floats(a.b.count)) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("peft-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try AdapterPEFT.write(trainer.adapters, baseModel: "google/gemma-3-270m", dropout: 0.1, to: folder)

        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/adapter_config.json"))) as? [String: Any])
        XCTAssertEqual(config["peft_type"] as? String, "LORA")
        XCTAssertEqual(config["r"] as? Int, 3)
        XCTAssertEqual(config["lora_alpha"] as? Double, 6)
        XCTAssertEqual(config["target_modules"] as? [String], ["gate_proj", "k_proj", "o_proj"])

        let script = """
        import json, sys
        from safetensors.numpy import load_file
        t = load_file(sys.argv[1])
        print(json.dumps({k: {"shape": list(v.shape), "sum": float(v.astype("float64").sum()), "first": float(v.flat[0])} for k, v in t.items()}))
        """
        let run = try PythonEnvironment().run(["-c", script, folder + "/adapter_model.safetensors"], requirements: ["safetensors", "numpy"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let tensors = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Any]])
        XCTAssertEqual(tensors.count, 6 * 3 * 2)
        let C = Gemma3TrainingTests.C, F = Gemma3TrainingTests.F
        let a = try XCTUnwrap(tensors["base_model.model.model.layers.2.mlp.gate_proj.lora_A.weight"])
        XCTAssertEqual(a["shape"] as? [Int], [3, C])
        let b = try XCTUnwrap(tensors["base_model.model.model.layers.2.mlp.gate_proj.lora_B.weight"])
        XCTAssertEqual(b["shape"] as? [Int], [F, 3])
        XCTAssertEqual(tensors["base_model.model.model.layers.5.self_attn.k_proj.lora_B.weight"]?["shape"] as? [Int],
                       [Gemma3TrainingTests.Hkv * Gemma3TrainingTests.D, 3])
        let gate = try XCTUnwrap(trainer.adapters.first { $0.a.name == "blk.2.ffn_gate.weight.lora_a" })
        XCTAssertEqual(a["first"] as? Double, Double(gate.a.values[0]))
        XCTAssertEqual(b["sum"] as! Double, gate.b.values.reduce(0.0) { $0 + Double($1) }, accuracy: 1e-9)
    }
}
