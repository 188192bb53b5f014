import Foundation
import TernGGUF

extension ModelDescription {
    /// The Hugging Face `model_type`s `init(config:)` reads, and the GGUF architecture each becomes.
    static let configArchitectures: [String: String] = [
        "llama": "llama", "mistral": "llama", "qwen2": "qwen2", "qwen3": "qwen3",
        "qwen2_moe": "qwen2moe", "qwen3_moe": "qwen3moe", "gemma3_text": "gemma3", "gemma3": "gemma3",
        "gpt2": "gpt2", "falcon": "falcon", "bloom": "bloom",
        "deepseek_v2": "deepseek2", "deepseek_v3": "deepseek2", "mamba2": "mamba2",
    ]

    /// Reads a Hugging Face `config.json` (its bytes). The tensors are the ones
    /// llama.cpp's convert_hf_to_gguf.py would write for it, named and shaped as in the GGUF, so
    /// every count is made by the same code as for a GGUF file — and must come out equal.
    ///
    ///     let model = try ModelDescription(config: Data(contentsOf: url))
    ///     ParameterCount(model).total
    public init(config data: Data) throws {
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PlanError("config.json is not a JSON object: pass a Hugging Face model's config.json or a .gguf file")
        }
        var json = Config(top)
        // Multimodal Gemma 3 keeps the language model's settings under text_config.
        if json.string("model_type") == "gemma3", let text = top["text_config"] as? [String: Any] {
            json = Config(text.merging(["model_type": "gemma3_text"]) { $1 })
        }
        guard let modelType = json.string("model_type") else {
            throw PlanError("config.json has no model_type: pass a Hugging Face model's config.json")
        }
        guard let arch = Self.configArchitectures[modelType] else {
            throw PlanError("unknown architecture '\(modelType)' in config.json: tern plan reads "
                            + "\(Self.configArchitectures.keys.sorted().joined(separator: ", ")); plan its GGUF instead")
        }
        let storage = Self.checkpointType(json.string("torch_dtype") ?? json.string("dtype"))
        var builder = TensorList(storage: storage)
        self = try arch == "mamba2" ? Self.mamba2(json, &builder)
            : arch == "deepseek2" ? Self.deepseek2(json, &builder)
            : Self.transformer(json, arch: arch, modelType: modelType, &builder)
        tensors = builder.tensors
        checkpointType = storage.name
    }

    private static func checkpointType(_ name: String?) -> GGMLTypeTraits {
        switch name {
        case "bfloat16": return .of(30)!
        case "float16": return .of(1)!
        default: return .of(0)!  // transformers' default is float32
        }
    }

    /// Llama, Mistral, Qwen 2/3 (and their MoE forms), Gemma 3, GPT-2, Falcon, BLOOM.
    private static func transformer(_ c: Config, arch: String, modelType: String, _ t: inout TensorList) throws -> Self {
        let C = try c.int("hidden_size", "n_embd"), L = try c.int("num_hidden_layers", "n_layer")
        let H = try c.int("num_attention_heads", "n_head"), V = try c.int("vocab_size")
        let multiQuery = arch == "falcon" && c.bool("multi_query") == true && c.bool("new_decoder_architecture") != true
        let Hkv = multiQuery ? 1 : c.optional("num_key_value_heads", "num_kv_heads") ?? H
        let D = c.optional("head_dim") ?? C / H
        let F = c.optional("intermediate_size", "n_inner", "ffn_hidden_size") ?? 4 * C
        let qDim = H * D, kvDim = Hkv * D
        let tiedDefault = ["gemma3", "gpt2", "falcon", "bloom"].contains(arch)
        let tied = c.bool("tie_word_embeddings") ?? tiedDefault
        let layerNorm = ["gpt2", "falcon", "bloom"].contains(arch)  // weight and bias
        func norm(_ name: String, _ n: Int) {
            t.add(name + ".weight", [n])
            if layerNorm { t.add(name + ".bias", [n]) }
        }
        func linear(_ name: String, _ cols: Int, _ rows: Int, bias: Bool) {
            t.add(name + ".weight", [cols, rows])
            if bias { t.add(name + ".bias", [rows]) }
        }

        t.add("token_embd.weight", [C, V])
        if arch == "gpt2" { t.add("position_embd.weight", [C, try c.int("n_positions", "max_position_embeddings")]) }
        if arch == "bloom" { norm("token_embd_norm", C) }

        let experts = c.optional("num_experts", "num_local_experts") ?? 0
        let sparseStep = c.optional("decoder_sparse_step") ?? 1
        let denseLayers = Set(c.ints("mlp_only_layers"))
        let attentionBias = c.bool("attention_bias") ?? (arch == "qwen2" || arch == "qwen2moe")
        for l in 0..<L {
            let p = "blk.\(l)."
            norm(p + "attn_norm", C)
            switch arch {
            case "gpt2", "bloom":
                linear(p + "attn_qkv", C, 3 * C, bias: true)
                linear(p + "attn_output", C, C, bias: true)
                norm(p + "ffn_norm", C)
                linear(p + "ffn_up", C, F, bias: true)
                linear(p + "ffn_down", F, C, bias: true)
                continue
            case "falcon":
                let bias = c.bool("bias") ?? false
                if c.bool("new_decoder_architecture") == true && (c.optional("num_ln_in_parallel_attn") ?? 2) == 2 {
                    norm(p + "attn_norm_2", C)
                } else if c.bool("parallel_attn") == false {
                    norm(p + "ffn_norm", C)
                }
                linear(p + "attn_qkv", C, qDim + 2 * kvDim, bias: bias)
                linear(p + "attn_output", qDim, C, bias: bias)
                linear(p + "ffn_up", C, F, bias: bias)
                linear(p + "ffn_down", F, C, bias: bias)
                continue
            default:
                break
            }
            // Llama-shaped blocks: separate Q/K/V, gated MLP or experts, RMSNorm.
            let qwen2Bias = arch == "qwen2" || arch == "qwen2moe"
            linear(p + "attn_q", C, qDim, bias: attentionBias)
            linear(p + "attn_k", C, kvDim, bias: attentionBias)
            linear(p + "attn_v", C, kvDim, bias: attentionBias)
            linear(p + "attn_output", qDim, C, bias: attentionBias && !qwen2Bias)  // Qwen 2 biases only Q, K, V
            if arch == "qwen3" || arch == "qwen3moe" || arch == "gemma3" {
                t.add(p + "attn_q_norm.weight", [D])
                t.add(p + "attn_k_norm.weight", [D])
            }
            if arch == "gemma3" { t.add(p + "post_attention_norm.weight", [C]) }
            t.add(p + "ffn_norm.weight", [C])
            let sparse = experts > 0 && !denseLayers.contains(l) && (l + 1) % sparseStep == 0
            if sparse {
                let Fe = try c.int("moe_intermediate_size")
                t.add(p + "ffn_gate_inp.weight", [C, experts])
                t.add(p + "ffn_gate_exps.weight", [C, Fe, experts])
                t.add(p + "ffn_up_exps.weight", [C, Fe, experts])
                t.add(p + "ffn_down_exps.weight", [Fe, C, experts])
                if let Fs = c.optional("shared_expert_intermediate_size"), Fs > 0 {
                    t.add(p + "ffn_gate_inp_shexp.weight", [C, 1])
                    t.add(p + "ffn_gate_shexp.weight", [C, Fs])
                    t.add(p + "ffn_up_shexp.weight", [C, Fs])
                    t.add(p + "ffn_down_shexp.weight", [Fs, C])
                }
            } else {
                let mlpBias = c.bool("mlp_bias") ?? false
                linear(p + "ffn_gate", C, F, bias: mlpBias)
                linear(p + "ffn_up", C, F, bias: mlpBias)
                linear(p + "ffn_down", F, C, bias: mlpBias)
            }
            if arch == "gemma3" { t.add(p + "post_ffw_norm.weight", [C]) }
        }
        norm("output_norm", C)
        if !tied { t.add("output.weight", [C, V]) }

        var model = ModelDescription(
            architecture: arch, layers: L, dim: C, vocabulary: V,
            contextLength: c.optional("max_position_embeddings", "n_positions", "seq_length"),
            attention: AttentionShape(heads: H, kvHeads: Hkv, keyDim: D, valueDim: D), tensors: [])
        model.slidingWindow = slidingWindow(c, layers: L, gemma: arch == "gemma3", mistral: modelType == "mistral")
        if experts > 0 {
            let shared = (c.optional("shared_expert_intermediate_size") ?? 0) > 0 ? 1 : 0
            model.experts = ExpertShape(count: experts, used: try c.int("num_experts_per_tok"), shared: shared)
        }
        return model
    }

    /// `layer_types` when given (transformers 5 writes it), else Gemma 3's one-global-in-six
    /// (`sliding_window_pattern`), else Mistral's window on every layer.
    private static func slidingWindow(_ c: Config, layers: Int, gemma: Bool, mistral: Bool) -> SlidingWindow? {
        guard let window = c.optional("sliding_window"), window > 0 else { return nil }
        if let types = c.strings("layer_types"), types.count == layers {
            let sliding = types.map { $0 == "sliding_attention" }
            return sliding.contains(true) ? SlidingWindow(window: window, slidingLayers: sliding) : nil
        }
        if gemma { return SlidingWindow(window: window, layers: layers, globalEvery: c.optional("sliding_window_pattern") ?? 6) }
        return mistral ? SlidingWindow(window: window, layers: layers, globalEvery: nil) : nil
    }

    /// DeepSeek-V2/V3: multi-head latent attention, leading dense layers, then routed and shared experts.
    private static func deepseek2(_ c: Config, _ t: inout TensorList) throws -> Self {
        let C = try c.int("hidden_size"), L = try c.int("num_hidden_layers"), V = try c.int("vocab_size")
        let H = try c.int("num_attention_heads"), rank = try c.int("kv_lora_rank")
        let dn = try c.int("qk_nope_head_dim"), dr = try c.int("qk_rope_head_dim"), dv = try c.int("v_head_dim")
        let F = try c.int("intermediate_size"), qRank = c.optional("q_lora_rank")
        let E = c.optional("n_routed_experts") ?? 0, leading = c.optional("first_k_dense_replace") ?? 0
        let every = c.optional("moe_layer_freq") ?? 1
        t.add("token_embd.weight", [C, V])
        for l in 0..<L {
            let p = "blk.\(l)."
            t.add(p + "attn_norm.weight", [C])
            if let qRank {
                t.add(p + "attn_q_a.weight", [C, qRank])
                t.add(p + "attn_q_a_norm.weight", [qRank])
                t.add(p + "attn_q_b.weight", [qRank, H * (dn + dr)])
            } else {
                t.add(p + "attn_q.weight", [C, H * (dn + dr)])
            }
            t.add(p + "attn_kv_a_mqa.weight", [C, rank + dr])
            t.add(p + "attn_kv_a_norm.weight", [rank])
            t.add(p + "attn_k_b.weight", [dn, rank, H])  // kv_b_proj split per head, as the converter does
            t.add(p + "attn_v_b.weight", [rank, dv, H])
            t.add(p + "attn_output.weight", [H * dv, C])
            t.add(p + "ffn_norm.weight", [C])
            if E > 0 && l >= leading && l % every == 0 {
                let Fe = try c.int("moe_intermediate_size"), shared = c.optional("n_shared_experts") ?? 0
                t.add(p + "ffn_gate_inp.weight", [C, E])
                if c.string("topk_method") == "noaux_tc" { t.add(p + "exp_probs_b.bias", [E]) }
                t.add(p + "ffn_gate_exps.weight", [C, Fe, E])
                t.add(p + "ffn_up_exps.weight", [C, Fe, E])
                t.add(p + "ffn_down_exps.weight", [Fe, C, E])
                if shared > 0 {
                    t.add(p + "ffn_gate_shexp.weight", [C, Fe * shared])
                    t.add(p + "ffn_up_shexp.weight", [C, Fe * shared])
                    t.add(p + "ffn_down_shexp.weight", [Fe * shared, C])
                }
            } else {
                t.add(p + "ffn_gate.weight", [C, F])
                t.add(p + "ffn_up.weight", [C, F])
                t.add(p + "ffn_down.weight", [F, C])
            }
        }
        t.add("output_norm.weight", [C])
        if c.bool("tie_word_embeddings") != true { t.add("output.weight", [C, V]) }
        var model = ModelDescription(
            architecture: "deepseek2", layers: L, dim: C, vocabulary: V, contextLength: c.optional("max_position_embeddings"),
            attention: AttentionShape(heads: H, kvHeads: H, keyDim: dn + dr, valueDim: dv,
                                      variant: .multiHeadLatent(kvLoraRank: rank, ropeDim: dr)),
            tensors: [])
        if E > 0 {
            model.experts = ExpertShape(count: E, used: try c.int("num_experts_per_tok"), shared: c.optional("n_shared_experts") ?? 0)
        }
        return model
    }

    /// Mamba 2: per layer one state-space mixer (no attention, no MLP).
    private static func mamba2(_ c: Config, _ t: inout TensorList) throws -> Self {
        let C = try c.int("hidden_size"), L = try c.int("num_hidden_layers"), V = try c.int("vocab_size")
        let heads = try c.int("num_heads"), groups = c.optional("n_groups") ?? 1, state = try c.int("state_size")
        let inner = (c.optional("expand") ?? 2) * C, kernel = c.optional("conv_kernel") ?? 4
        let channels = inner + 2 * groups * state
        t.add("token_embd.weight", [C, V])
        for l in 0..<L {
            let p = "blk.\(l)."
            t.add(p + "attn_norm.weight", [C])
            t.add(p + "ssm_in.weight", [C, 2 * inner + 2 * groups * state + heads])  // z, xBC, dt
            t.add(p + "ssm_conv1d.weight", [kernel, channels])
            if c.bool("use_conv_bias") ?? true { t.add(p + "ssm_conv1d.bias", [channels]) }
            t.add(p + "ssm_dt.bias", [heads])
            t.add(p + "ssm_a", [1, heads])
            t.add(p + "ssm_d", [1, heads])
            t.add(p + "ssm_norm.weight", [inner / groups, groups])
            t.add(p + "ssm_out.weight", [inner, C])
        }
        t.add("output_norm.weight", [C])
        if c.bool("tie_word_embeddings") != true { t.add("output.weight", [C, V]) }
        return ModelDescription(
            architecture: "mamba2", layers: L, dim: C, vocabulary: V, contextLength: nil,
            attention: AttentionShape(heads: heads, kvHeads: 0, keyDim: 0, valueDim: 0,
                                      variant: .stateSpace(convKernel: kernel, convChannels: channels, innerSize: inner, stateSize: state)),
            tensors: [])
    }
}

/// Tensors appended in order, all of one storage type.
private struct TensorList {
    let storage: GGMLTypeTraits
    var tensors: [PlannedTensor] = []
    mutating func add(_ name: String, _ shape: [Int]) {
        tensors.append(PlannedTensor(name: name, shape: shape, storage: storage))
    }
}

/// Typed reads of a config.json object; the first of several names that is present wins
/// (GPT-2 says n_embd where Llama says hidden_size).
private struct Config {
    let json: [String: Any]
    init(_ json: [String: Any]) { self.json = json }

    func optional(_ keys: String...) -> Int? {
        for key in keys {
            if let n = json[key] as? NSNumber, let v = Int(exactly: n.doubleValue) { return v }
        }
        return nil
    }

    func int(_ keys: String...) throws -> Int {
        for key in keys {
            if let n = json[key] as? NSNumber, let v = Int(exactly: n.doubleValue), v > 0 { return v }
        }
        throw PlanError("config.json lacks \(keys.joined(separator: " or ")) (a positive integer): is it a complete model config?")
    }

    func bool(_ key: String) -> Bool? { json[key] as? Bool }
    func string(_ key: String) -> String? { json[key] as? String }
    func strings(_ key: String) -> [String]? { json[key] as? [String] }
    func ints(_ key: String) -> [Int] { (json[key] as? [NSNumber])?.map(\.intValue) ?? [] }
}
