import Foundation
import TernEngine
import TernGGUF
import XCTest

/// Paths of the models the planner's tests read: the committed tiny zoo (llama.cpp conversions of
/// random transformers models, in the model tests' fixtures), their config.json files and the
/// header-only DeepSeek-V2 and Mamba 2 GGUFs (Fixtures/plan).
enum PlanFixtures {
    /// Every architecture with a committed tiny GGUF and config.json.
    static let zooArchitectures = ["llama", "qwen2", "qwen3", "qwen2moe", "qwen3moe", "gpt2", "falcon", "bloom"]
    /// Tern plans but does not run these; their GGUFs are committed header-only.
    static let headerOnly = ["deepseek2", "mamba2"]

    static func gguf(_ arch: String, _ file: String = "model.gguf") -> String {
        if headerOnly.contains(arch) { return plan(arch, "model-header.gguf") }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../TernModelsTests/Fixtures/zoo/\(arch)/\(file)").standardized.path
    }

    static func config(_ arch: String) -> String { plan(arch, "config.json") }

    private static func plan(_ arch: String, _ file: String) -> String {
        Bundle.module.url(forResource: "Fixtures/plan/\(arch)/\(file)", withExtension: nil)!.path
    }

    static func model(gguf arch: String, _ file: String = "model.gguf") throws -> ModelDescription {
        try ModelDescription(gguf: GGUFHeader(path: gguf(arch, file)))
    }

    static func model(config arch: String) throws -> ModelDescription {
        try ModelDescription(config: Data(contentsOf: URL(fileURLWithPath: config(arch))))
    }

    /// A made-up decoder: L layers of width C with H query heads over Hkv KV heads of width D,
    /// an F-wide gated MLP, V-token vocabulary, weights of `type` (ggml id; 0 = F32).
    static func decoder(layers L: Int, dim C: Int, heads H: Int, kvHeads Hkv: Int, headDim D: Int, ffn F: Int,
                        vocabulary V: Int, type: UInt32 = 0, tied: Bool = false) -> ModelDescription {
        let storage = GGMLTypeTraits.of(type)!, f32 = GGMLTypeTraits.of(0)!
        var tensors = [PlannedTensor(name: "token_embd.weight", shape: [C, V], storage: storage)]
        for l in 0..<L {
            let p = "blk.\(l)."
            tensors += [
                PlannedTensor(name: p + "attn_norm.weight", shape: [C], storage: f32),
                PlannedTensor(name: p + "attn_q.weight", shape: [C, H * D], storage: storage),
                PlannedTensor(name: p + "attn_k.weight", shape: [C, Hkv * D], storage: storage),
                PlannedTensor(name: p + "attn_v.weight", shape: [C, Hkv * D], storage: storage),
                PlannedTensor(name: p + "attn_output.weight", shape: [H * D, C], storage: storage),
                PlannedTensor(name: p + "ffn_norm.weight", shape: [C], storage: f32),
                PlannedTensor(name: p + "ffn_gate.weight", shape: [C, F], storage: storage),
                PlannedTensor(name: p + "ffn_up.weight", shape: [C, F], storage: storage),
                PlannedTensor(name: p + "ffn_down.weight", shape: [F, C], storage: storage),
            ]
        }
        tensors.append(PlannedTensor(name: "output_norm.weight", shape: [C], storage: f32))
        if !tied { tensors.append(PlannedTensor(name: "output.weight", shape: [C, V], storage: storage)) }
        return ModelDescription(architecture: "llama", layers: L, dim: C, vocabulary: V, contextLength: 4096,
                                attention: AttentionShape(heads: H, kvHeads: Hkv, keyDim: D, valueDim: D), tensors: tensors)
    }
}
