import TernGGUF
import TernKernels

/// Maps `general.architecture` to the type that runs it. Adding an architecture is one file plus
/// one line here.
///
///     let model = try ModelRegistry.load(GGUFFile(path: path), threads: 2)
public enum ModelRegistry {
    static let architectures: [String: @Sendable (GGUFFile, ThreadPool, [LoRAAdapter]) throws -> any CausalLM] = [
        "gemma3": { try Gemma3(file: $0, pool: $1, adapters: $2) },
        "llama": { try Llama(file: $0, pool: $1, adapters: $2) },
        "qwen2": { try Llama(file: $0, pool: $1, adapters: $2) },
        "qwen3": { try Llama(file: $0, pool: $1, adapters: $2) },
        "qwen2moe": { try Llama(file: $0, pool: $1, adapters: $2) },
        "qwen3moe": { try Llama(file: $0, pool: $1, adapters: $2) },
        "bitnet": { try Llama(file: $0, pool: $1, adapters: $2) },
        "gpt2": { try GPT2(file: $0, pool: $1, adapters: $2) },
        "falcon": { try Falcon(file: $0, pool: $1, adapters: $2) },
        "bloom": { try Bloom(file: $0, pool: $1, adapters: $2) },
        "deepseek2": { try DeepSeek2(file: $0, pool: $1, adapters: $2) },
        "mamba2": { try Mamba2(file: $0, pool: $1, adapters: $2) },
    ]

    public static var supported: [String] { architectures.keys.sorted() }

    /// `adapters`: LoRA adapters applied in the forward pass (see `LoRAAdapter`).
    public static func load(_ file: GGUFFile, threads: Int, adapters: [LoRAAdapter] = []) throws -> any CausalLM {
        guard let arch = file.architecture else { throw ModelError.missingKey("general.architecture") }
        guard let make = architectures[arch] else {
            throw ModelError("unknown architecture '\(arch)': Tern runs \(supported.joined(separator: ", "))")
        }
        return try make(file, ThreadPool(threads: threads), adapters)
    }
}
