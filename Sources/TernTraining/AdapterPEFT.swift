import Foundation
import TernEmbeddings

/// LoRA adapters as Hugging Face PEFT saves them, so a run can continue with PyTorch tooling:
/// `adapter_model.safetensors` with `base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`
/// (r, in) and `….lora_B.weight` (out, r), and `adapter_config.json`. Gemma 3's GGUF keeps
/// Hugging Face's row order for every projection (no Q/K permutation for NEOX RoPE), so the
/// matrices carry over unchanged.
///
///     try AdapterPEFT.write(trainer.adapters, baseModel: "google/gemma-3-270m", dropout: 0.05, to: "out/peft")
public enum AdapterPEFT {
    /// GGUF tensor names → the Hugging Face module path inside a decoder layer.
    static let modules = ["attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
                          "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
                          "ffn_down": "mlp.down_proj"]

    /// The PEFT key prefix of the adapter on GGUF weight `name` ("blk.3.attn_q.weight"), or nil.
    public static func key(for name: String) -> String? {
        let parts = name.split(separator: ".")
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), let module = modules[String(parts[2])] else { return nil }
        return "base_model.model.model.layers.\(layer).\(module)"
    }

    public static func write(_ adapters: [LoRALinear], baseModel: String, dropout: Float, to folder: String) throws {
        guard let first = adapters.first else { throw TrainingError("no LoRA adapters to write: train with --lora-rank") }
        var w = SafeTensorsWriter(metadata: ["format": "pt"])
        var targets = Set<String>()
        for a in adapters {
            let weight = String(a.a.name.dropLast(".lora_a".count))
            guard let key = key(for: weight) else { throw TrainingError("no PEFT name for \(weight)") }
            targets.insert(String(key.split(separator: ".").last!))
            w.add(key + ".lora_A.weight", shape: [a.rank, a.cols], floats: a.a.values)
            w.add(key + ".lora_B.weight", shape: [a.rows, a.rank], floats: a.b.values)
        }
        let config: [String: Any] = [
            "base_model_name_or_path": baseModel, "peft_type": "LORA", "task_type": "CAUSAL_LM",
            "r": first.rank, "lora_alpha": Double(first.alpha), "lora_dropout": Double(dropout),
            "target_modules": targets.sorted(), "bias": "none", "fan_in_fan_out": false, "inference_mode": true,
            "use_rslora": false, "init_lora_weights": true,
        ]
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try w.write(to: folder + "/adapter_model.safetensors")
            try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
                .write(to: URL(fileURLWithPath: folder + "/adapter_config.json"), options: .atomic)
        } catch {
            throw TrainingError("cannot write the PEFT adapter into \(folder) (\(error.localizedDescription)): check the --out folder")
        }
    }
}
