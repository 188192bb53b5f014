/// Which part of a model a tensor belongs to, for parameter counts by part.
///
/// Read off GGUF tensor names (llama.cpp's `LLM_TENSOR_NAMES`), which every architecture shares:
///
///     ParameterPart("blk.3.ffn_up_exps.weight")     // .experts
///     ParameterPart("blk.0.attn_k_norm.weight")     // .norms
public enum ParameterPart: String, Codable, Sendable, CaseIterable {
    /// Token (and learned position) embeddings.
    case embedding
    /// Attention projections (Q, K, V, output; MLA's low-rank factors) and their biases.
    case attention
    /// A state-space mixer in place of attention (Mamba's in/out projections, convolution, A, D, dt).
    case ssm
    /// Dense feed-forward layers, and the shared experts of a mixture of experts (always active).
    case mlp
    /// Routed experts and their router: of these only the chosen experts run for a token.
    case experts
    /// Normalisation weights and biases.
    case norms
    /// The output projection (absent when tied to the embedding).
    case output
    /// Tensors of unrecognised role; counted, but in no named part.
    case other
    /// Constants stored as tensors that are not trained parameters (Llama 3's RoPE frequency
    /// factors, a transformers buffer): in the file's size, not in parameter counts.
    case constant

    public init(_ name: String) {
        // "blk.12.attn_q.weight" → "attn_q.weight"
        var role = Substring(name)
        if role.hasPrefix("blk."), let dot = role.dropFirst(4).firstIndex(of: ".") {
            role = role[role.index(after: dot)...]
        }
        switch true {
        case role == "rope_freqs.weight": self = .constant
        case role.hasPrefix("token_embd.") || role.hasPrefix("position_embd."): self = .embedding
        case role.hasPrefix("output."): self = .output
        case role.contains("norm"): self = .norms
        case role.contains("_exps") || role.hasPrefix("ffn_gate_inp.") || role.hasPrefix("exp_probs_b"): self = .experts
        case role.hasPrefix("ffn_"): self = .mlp
        case role.hasPrefix("attn_"): self = .attention
        case role.hasPrefix("ssm_"): self = .ssm
        default: self = .other
        }
    }
}
