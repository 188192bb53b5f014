import TernKernels

/// A target of `tern quantize`, named and numbered as llama-quantize names them (the number is
/// the `general.file_type` written into the file, llama.h's `llama_ftype`).
public enum QuantizationPreset: String, CaseIterable, Sendable {
    case q8_0 = "Q8_0", q4_0 = "Q4_0", q5_0 = "Q5_0", q4_1 = "Q4_1", q5_1 = "Q5_1"
    case q4_K_S = "Q4_K_S", q4_K_M = "Q4_K_M", q5_K_S = "Q5_K_S", q5_K_M = "Q5_K_M", q6_K = "Q6_K"
    case tq1_0 = "TQ1_0", tq2_0 = "TQ2_0"

    /// A preset by name, case-insensitively; `Q4_K` and `Q5_K` are the `_M` mixes, as in llama-quantize.
    public init?(name: String) {
        let upper = name.uppercased()
        let aliases = ["Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M"]
        self.init(rawValue: aliases[upper] ?? upper)
    }

    public var fileType: UInt32 {
        switch self {
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        case .q5_0: return 8
        case .q5_1: return 9
        case .q4_K_S: return 14
        case .q4_K_M: return 15
        case .q5_K_S: return 16
        case .q5_K_M: return 17
        case .q6_K: return 18
        case .tq1_0: return 36
        case .tq2_0: return 37
        }
    }

    /// The type of every quantizable tensor the rules below leave alone.
    public var baseType: GGMLType {
        switch self {
        case .q8_0: return .q8_0
        case .q4_0: return .q4_0
        case .q5_0: return .q5_0
        case .q4_1: return .q4_1
        case .q5_1: return .q5_1
        case .q4_K_S, .q4_K_M: return .q4_K
        case .q5_K_S, .q5_K_M: return .q5_K
        case .q6_K: return .q6_K
        case .tq1_0: return .tq1_0
        case .tq2_0: return .tq2_0
        }
    }
}

/// The type each tensor of a model gets under a preset, decided as llama-quantize decides it
/// (llama-quant.cpp, without an importance matrix or overrides), and the order it writes them in:
///
/// - Only weights of two or more dimensions are quantized, and not norms, MoE router weights,
///   learned positions, token types or SSM convolutions; everything else keeps its type.
/// - The output matrix, and the token embeddings when they double as it (no `output.weight`),
///   get Q6_K (Q8_0 under Q8_0; always Q8_0 for Falcon or when a row is not whole 256-blocks).
/// - The `_M` mixes give Q6_K to attn_v and ffn_down in the first and last eighths of the layers
///   and every third layer between (`useMoreBits`); `_S` gives Q5_K to the first four attn_v and
///   the first eighth's ffn_down. Eight-expert models get Q8_0 attn_v and attn_k, Q5_K attn_output.
/// - Under the ternary presets (TQ1_0, TQ2_0: BitNet b1.58 models, whose weights are already
///   ternary) untied token embeddings get Q4_K.
/// - A type whose block does not divide the row length falls back: Q4_K → Q5_0, Q5_K → Q5_1,
///   Q6_K → Q8_0, TQ1_0/TQ2_0 → Q4_0, and to F16 when even 32 does not divide it.
/// - Tensors are written ordered by layer (tensors outside `blk.N.` first), then by name.
public struct QuantizationRecipe: Sendable {
    public struct Entry: Sendable {
        public let tensor: GGUFTensorInfo
        public let type: GGMLType
    }

    public let preset: QuantizationPreset
    public let entries: [Entry]
    /// One line per tensor whose type had to fall back (as llama-quantize warns).
    public let fallbacks: [String]

    /// `path` names the file in errors.
    public init(file: GGUFFile, preset: QuantizationPreset, path: String = "") throws(GGUFError) {
        self.preset = preset
        let arch = file.architecture ?? ""
        func int(_ key: String) -> Int { file.metadata["\(arch).\(key)"]?.int ?? 0 }
        var rules = Rules(preset: preset, arch: arch, layers: int("block_count"), experts: int("expert_count"),
                          heads: int("attention.head_count"), kvHeads: int("attention.head_count_kv"))
        let ordered = file.tensors.sorted(by: Self.writtenBefore)
        let categories = ordered.map { Category($0.name) }
        rules.attentionVCount = categories.filter(\.isAttentionV).count
        rules.tiedEmbeddings = !categories.contains(.output)

        var entries: [Entry] = [], fallbacks: [String] = []
        for (tensor, category) in zip(ordered, categories) {
            guard Self.allowsQuantization(tensor) else {
                entries.append(Entry(tensor: tensor, type: tensor.type))
                continue
            }
            let chosen = try rules.type(for: tensor, category: category, path: path)
            let type = Self.fallback(chosen, rowLength: tensor.shape.first ?? 0)
            if type != chosen { fallbacks.append("\(tensor.name): \(tensor.shape.first ?? 0) columns are not whole \(chosen) blocks, using \(type)") }
            entries.append(Entry(tensor: tensor, type: type))
        }
        self.entries = entries
        self.fallbacks = fallbacks
    }

    /// llama.cpp's tensor order: layer number (-1 outside `blk.N.`), then name byte by byte.
    static func writtenBefore(_ a: GGUFTensorInfo, _ b: GGUFTensorInfo) -> Bool {
        let la = layer(of: a.name) ?? -1, lb = layer(of: b.name) ?? -1
        if la != lb { return la < lb }
        return Array(a.name.utf8).lexicographicallyPrecedes(b.name.utf8)
    }

    /// N of a `blk.N.…` name.
    static func layer(of name: String) -> Int? {
        guard name.hasPrefix("blk.") else { return nil }
        let digits = name.dropFirst(4).prefix { $0.isASCII && $0.isNumber }
        return Int(digits)
    }

    static func allowsQuantization(_ tensor: GGUFTensorInfo) -> Bool {
        let name = tensor.name
        // ggml_n_dims: trailing dimensions of 1 do not count
        guard (tensor.shape.lastIndex { $0 != 1 } ?? 0) >= 1, name.hasSuffix("weight") else { return false }
        let kept = ["_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
                    "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight",
                    "indexer.q_proj.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
                    "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
                    "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
                    "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
                    "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", ".rel_pos",
                    ".patch_embd", ".patch_merger"]
        if kept.contains(where: name.contains) { return false }
        return name != "position_embd.weight" && name != "token_types.weight"
    }

    static func fallback(_ type: GGMLType, rowLength: Int) -> GGMLType {
        guard rowLength % type.blockSize != 0 else { return type }
        let smaller: GGMLType
        switch type {
        case .q4_K: smaller = .q5_0
        case .q5_K: smaller = .q5_1
        case .q6_K: smaller = .q8_0
        case .tq1_0, .tq2_0: smaller = .q4_0
        default: smaller = type
        }
        return rowLength % smaller.blockSize == 0 ? smaller : .f16
    }

    /// A tensor's role, from its name, as llama-quantize groups them.
    enum Category: Equatable {
        case output, tokenEmbedding, attentionQKV, attentionKVB, attentionV, attentionK, attentionQ,
             attentionOutput, ffnUp, ffnGate, ffnDown, other

        init(_ name: String) {
            if name == "output.weight" { self = .output; return }
            if name == "token_embd.weight" || name == "per_layer_token_embd.weight" { self = .tokenEmbedding; return }
            let bySubstring: [(String, Category)] = [
                ("attn_qkv.weight", .attentionQKV), ("attn_kv_b.weight", .attentionKVB), ("attn_v.weight", .attentionV),
                ("attn_k.weight", .attentionK), ("attn_q.weight", .attentionQ), ("attn_output.weight", .attentionOutput),
                ("ffn_up", .ffnUp), ("ffn_gate", .ffnGate), ("ffn_down", .ffnDown)]
            self = bySubstring.first { name.contains($0.0) }?.1 ?? .other
        }

        /// The value-like projections (attn_v, fused QKV, MLA's kv_b) that get more bits.
        var isAttentionV: Bool { self == .attentionV || self == .attentionQKV || self == .attentionKVB }
    }

    /// The per-preset rules, with the counters llama-quantize keeps while it walks the tensors.
    struct Rules {
        let preset: QuantizationPreset
        let arch: String
        let layers: Int, experts: Int, heads: Int, kvHeads: Int
        var attentionVCount = 0, tiedEmbeddings = true
        var attentionVSeen = 0, ffnDownSeen = 0

        /// More bits for the first and last eighth of the layers and every third one between.
        static func useMoreBits(_ layer: Int, _ count: Int) -> Bool {
            layer < count / 8 || layer >= 7 * count / 8 || (layer - count / 8) % 3 == 2
        }

        mutating func type(for tensor: GGUFTensorInfo, category: Category, path: String) throws(GGUFError) -> GGMLType {
            var type = preset.baseType
            let falcon = arch == "falcon"
            if category == .output || (tiedEmbeddings && category == .tokenEmbedding) {
                if falcon || (tensor.shape.first ?? 0) % type.blockSize != 0 {
                    type = .q8_0
                } else if type != .q8_0 {
                    type = .q6_K
                }
            } else if category == .tokenEmbedding {
                if preset == .tq1_0 || preset == .tq2_0 { type = .q4_K }  // otherwise the preset's type
            } else if category.isAttentionV {
                if (preset == .q4_K_M || preset == .q5_K_M) && Self.useMoreBits(attentionVSeen, attentionVCount) {
                    type = .q6_K
                } else if preset == .q4_K_S && attentionVSeen < 4 {
                    type = .q5_K
                }
                // llama.cpp's 70B (80 Llama layers with grouped KV heads): its small attn_v gets Q5_K
                if arch == "llama" && layers == 80 && heads != kvHeads && (type == .q4_K) { type = .q5_K }
                if experts == 8 { type = .q8_0 }
                attentionVSeen += 1
            } else if category == .attentionK {
                if experts == 8 { type = .q8_0 }
            } else if category == .ffnDown {
                let layer = try ffnLayer(tensor.name, path: path)
                if preset == .q4_K_M {
                    if falcon {
                        type = layer < layers / 16 ? .q6_K : Self.useMoreBits(layer, layers) ? .q5_K : .q4_K
                    } else if Self.useMoreBits(layer, layers) {
                        type = .q6_K
                    }
                } else if preset == .q5_K_M && Self.useMoreBits(layer, layers) {
                    type = .q6_K
                } else if preset == .q4_K_S && !falcon && layer < layers / 8 {
                    type = .q5_K
                }
                ffnDownSeen += 1
            } else if category == .attentionOutput {
                if !falcon && experts == 8 && (preset == .q4_K_S || preset == .q4_K_M) { type = .q5_K }
            }
            return type
        }

        /// The layer an ffn_down belongs to: its position among the ffn_down seen so far, or, in
        /// MoE models (whose experts' tensors interleave), the N of its name.
        private func ffnLayer(_ name: String, path: String) throws(GGUFError) -> Int {
            guard experts > 1 else { return ffnDownSeen }
            guard let layer = QuantizationRecipe.layer(of: name), layer < layers else {
                throw GGUFError(.invalidValue, field: "tensor '\(name)': no layer number below \(layers) in its name",
                                offset: 0, path: path)
            }
            return layer
        }
    }
}
