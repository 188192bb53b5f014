import Foundation
import TernStore
import TernTraining
import XCTest

/// The adapter GGUF read back by llama.cpp's own reader (gguf-py, in Tern's Python environment):
/// llama.cpp's metadata keys, tensor names and shapes.
final class AdapterGGUFTests: XCTestCase {
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
}
