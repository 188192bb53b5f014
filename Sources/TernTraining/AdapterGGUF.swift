import TernGGUF

/// LoRA adapters as llama.cpp loads them (`llama-server --lora FILE`, `llama_adapter_lora_init`):
/// a GGUF with `general.type = "adapter"`, `adapter.type = "lora"` and `adapter.lora.alpha`, and
/// for each adapted weight `W` the tensors `W.lora_a` {cols, r} and `W.lora_b` {r, rows} (ggml
/// order, innermost first) in F32. llama.cpp scales the product by alpha / r, as training did.
///
///     try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", to: "out/adapter.gguf")
public enum AdapterGGUF {
    public static func write(_ adapters: [LoRALinear], architecture: String, name: String = "tern-lora", to path: String) throws {
        guard let alpha = adapters.first?.alpha, adapters.allSatisfy({ $0.alpha == alpha && $0.rank == adapters[0].rank }) else {
            throw TrainingError("no LoRA adapters to write (or adapters of different ranks): train with --lora-rank")
        }
        var w = GGUFWriter()
        w.add("general.architecture", .string(architecture))
        w.add("general.type", .string("adapter"))
        w.add("general.name", .string(name))
        w.add("adapter.type", .string("lora"))
        w.add("adapter.lora.alpha", .float32(alpha))
        for a in adapters {
            w.addTensor(name: a.a.name, shape: a.a.shape, floats: a.a.values)
            w.addTensor(name: a.b.name, shape: a.b.shape, floats: a.b.values)
        }
        do {
            try w.write(to: path)
        } catch {
            throw TrainingError("cannot write \(path) (\(error)): check the --out folder")
        }
    }
}
