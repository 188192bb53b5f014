import TernGGUF
import TernKernels

/// LoRA adapters as llama.cpp loads them (`llama-server --lora FILE`, `llama_adapter_lora_init`):
/// a GGUF with `general.type = "adapter"`, `adapter.type = "lora"` and `adapter.lora.alpha`, and
/// for each adapted weight `W` the tensors `W.lora_a` {cols, r} and `W.lora_b` {r, rows} (ggml
/// order, innermost first) in F32, or F16 (half the size, as llama.cpp's `convert_lora_to_gguf.py`
/// writes by default). llama.cpp scales the product by alpha / r, as training did.
///
///     try AdapterGGUF.write(trainer.adapters, architecture: "gemma3", to: "out/adapter.gguf")
public enum AdapterGGUF {
    public static func write(_ adapters: [LoRALinear], architecture: String, name: String = "tern-lora", type: GGMLType = .f32,
                             to path: String) throws {
        guard type == .f32 || type == .f16 else { throw TrainingError("an adapter is written as F32 or F16, not \(type)") }
        guard let alpha = adapters.first?.alpha, adapters.allSatisfy({ $0.alpha == alpha && $0.rank == adapters[0].rank }) else {
            throw TrainingError("no LoRA adapters to write (or adapters of different ranks): train with --lora-rank")
        }
        var w = GGUFWriter()
        w.add("general.architecture", .string(architecture))
        w.add("general.type", .string("adapter"))
        w.add("general.name", .string(name))
        w.add("adapter.type", .string("lora"))
        w.add("adapter.lora.alpha", .float32(alpha))
        func add(_ p: Parameter) {
            guard type == .f16 else { return w.addTensor(name: p.name, shape: p.shape, floats: p.values) }
            let bytes = p.values.flatMap { v -> [UInt8] in let h = floatToHalf(v); return [UInt8(h & 0xFF), UInt8(h >> 8)] }
            w.addTensor(name: p.name, shape: p.shape, type: .f16, data: bytes)
        }
        for a in adapters {
            add(a.a)
            add(a.b)
        }
        do {
            try w.write(to: path)
        } catch {
            throw TrainingError("cannot write \(path) (\(error)): check the --out folder")
        }
    }
}
