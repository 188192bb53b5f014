import Foundation
import TernGGUF
import TernKernels

/// DeepSeek-V2 (llama.cpp's `deepseek2`): pre-norm blocks of multi-head latent attention
/// (`LatentAttention`: the cache keeps one latent row per position) and, after the first
/// `leading_dense_block_count` dense SwiGLU layers, DeepSeekMoE: many fine-grained routed experts
/// (softmax router, top k, weights times the routed scaling factor) plus always-on shared experts.
///
///     h = x + mla(rmsnorm(x));  x' = h + moe(rmsnorm(h))   (or a dense SwiGLU in the first layers)
///
/// Not yet: YaRN-scaled RoPE (DeepSeek-V2-Lite's long context), V3's sigmoid router with its
/// selection bias and group-limited routing; files asking for them are refused with the reason.
/// Shape letters as in `LatentAttention`; F dense width, Fe expert width, E experts.
public final class DeepSeek2: CausalLM, PlacedForward, @unchecked Sendable {  // immutable after init; weights point into the mmap

    public struct Configuration: Sendable, Equatable, DecoderShape {
        public var dim: Int, layers: Int, heads: Int
        public var queryRank: Int        // rq (0: a plain query projection)
        public var latent: Int           // r
        public var nope: Int, rope: Int  // dn, dr
        public var value: Int            // dv
        public var ffnDim: Int           // F, the dense layers' width
        public var denseLayers: Int
        public var experts: Int, expertsUsed: Int, expertDim: Int, sharedExperts: Int
        public var normalizeTopK: Bool
        public var weightScale: Float
        public var vocabularySize: Int, contextLength: Int
        public var eps: Float, ropeBase: Float

        // The cache: one KV head whose row is the latent and the rotary key.
        public var kvHeads: Int { 1 }
        public var headDim: Int { latent + rope }
        var attentionShape: LatentAttention.Shape {
            .init(heads: heads, queryRank: queryRank, latent: latent, nope: nope, rope: rope, value: value, eps: eps)
        }
    }

    enum FeedForward {
        case dense(GatedMLP)
        case experts(MixtureOfExperts)
    }

    struct Layer {
        let attnNorm: UnsafePointer<Float>  // (C)
        let attention: LatentAttention
        let ffnNorm: UnsafePointer<Float>   // (C)
        let ffn: FeedForward
    }

    /// Scratch buffers of a pass, each sized for the batch.
    enum Buffer: Int, CaseIterable { case x, xn, proj, qa, q, kv, query, attn, gather, headOut, heads, gate, up }

    public let config: Configuration
    let embedding: QuantMatrix    // (V, C)
    let output: QuantMatrix       // (V, C)
    let layers: [Layer]
    let outputNorm: UnsafePointer<Float>
    let rope: RoPE
    public let pool: ThreadPool
    private let file: GGUFFile

    public var architecture: String { "deepseek2" }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        guard file.architecture == "deepseek2" else { throw ModelError("DeepSeek2 runs deepseek2, not \(file.architecture ?? "an unnamed architecture")") }
        guard adapters.isEmpty else { throw ModelError("deepseek2: LoRA adapters are not supported for this architecture yet") }
        let w = WeightLoader(file: file, prefix: "deepseek2")
        if let scaling = file.metadata["deepseek2.rope.scaling.type"]?.string, scaling != "none" {
            throw ModelError("deepseek2: RoPE scaling '\(scaling)' is not supported yet (only unscaled RoPE)")
        }
        if let gating = w.optionalInt("expert_gating_func"), gating != 1 {
            throw ModelError("deepseek2: expert gating function \(gating) is not supported yet (only softmax, 1)")
        }
        if let groups = w.optionalInt("expert_group_count"), groups > 1 {
            throw ModelError("deepseek2: group-limited expert routing (\(groups) groups) is not supported yet")
        }
        guard w.optionalInt("attention.key_length_mla") != nil else {
            throw ModelError("deepseek2: this file has no attention.key_length_mla (converted before llama.cpp's absorbed MLA); convert it again")
        }
        let dim = try w.int("embedding_length"), heads = try w.int("attention.head_count")
        let latent = try w.int("attention.kv_lora_rank"), rope = try w.int("rope.dimension_count")
        let layers = try w.int("block_count")
        let c = Configuration(
            dim: dim, layers: layers, heads: heads, queryRank: w.optionalInt("attention.q_lora_rank") ?? 0, latent: latent,
            nope: try w.int("attention.key_length_mla") - rope, rope: rope, value: try w.int("attention.value_length_mla"),
            ffnDim: try w.int("feed_forward_length"), denseLayers: w.optionalInt("leading_dense_block_count") ?? 0,
            experts: w.optionalInt("expert_count") ?? 0, expertsUsed: w.optionalInt("expert_used_count") ?? 0,
            expertDim: w.optionalInt("expert_feed_forward_length") ?? 0, sharedExperts: w.optionalInt("expert_shared_count") ?? 0,
            normalizeTopK: file.metadata["deepseek2.expert_weights_norm"]?.bool ?? false,
            weightScale: { let s = w.optionalFloat("expert_weights_scale") ?? 1; return s == 0 ? 1 : s }(),
            vocabularySize: try w.vocabularySize(dim: dim), contextLength: try w.int("context_length"),
            eps: try w.float("attention.layer_norm_rms_epsilon"), ropeBase: w.optionalFloat("rope.freq_base") ?? 10_000)
        guard c.nope > 0, c.rope % 2 == 0, c.headDim % 8 == 0 else {
            throw ModelError("deepseek2: head dims \(c.nope)+\(c.rope) with a \(c.latent) latent are not supported")
        }
        guard c.denseLayers >= c.layers || (c.experts > 0 && c.expertsUsed <= c.experts && c.sharedExperts > 0) else {
            throw ModelError("deepseek2: \(c.expertsUsed) of \(c.experts) experts with \(c.sharedExperts) shared is not a DeepSeekMoE layer")
        }
        let qk = c.nope + c.rope
        self.layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            let plainQuery = c.queryRank == 0
            let attention = LatentAttention(
                wq: plainQuery ? try w.matrix(p + "attn_q.weight", rows: c.heads * qk, cols: dim) : nil,
                wqA: plainQuery ? nil : try w.matrix(p + "attn_q_a.weight", rows: c.queryRank, cols: dim),
                qANorm: plainQuery ? nil : try w.vector(p + "attn_q_a_norm.weight", count: c.queryRank),
                wqB: plainQuery ? nil : try w.matrix(p + "attn_q_b.weight", rows: c.heads * qk, cols: c.queryRank),
                wkvA: try w.matrix(p + "attn_kv_a_mqa.weight", rows: c.latent + c.rope, cols: dim),
                kvANorm: try w.vector(p + "attn_kv_a_norm.weight", count: c.latent),
                wkB: try w.experts(p + "attn_k_b.weight", count: c.heads, rows: c.latent, cols: c.nope),
                wvB: try w.experts(p + "attn_v_b.weight", count: c.heads, rows: c.value, cols: c.latent),
                wo: try w.matrix(p + "attn_output.weight", rows: dim, cols: c.heads * c.value))
            return Layer(attnNorm: try w.vector(p + "attn_norm.weight", count: dim), attention: attention,
                         ffnNorm: try w.vector(p + "ffn_norm.weight", count: dim),
                         ffn: i < c.denseLayers ? .dense(try Self.mlp(w, p, "", c.ffnDim, dim)) : .experts(try Self.moe(w, p, c)))
        }
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: dim)
        output = try w.output(tiedTo: embedding)
        outputNorm = try w.vector("output_norm.weight", count: dim)
        self.rope = RoPE(headDim: c.rope, base: c.ropeBase, style: .normal)
        config = c
        self.pool = pool
        self.file = file
    }

    private static func mlp(_ w: WeightLoader, _ p: String, _ suffix: String, _ width: Int, _ dim: Int) throws -> GatedMLP {
        GatedMLP(gate: try w.matrix(p + "ffn_gate\(suffix).weight", rows: width, cols: dim),
                 up: try w.matrix(p + "ffn_up\(suffix).weight", rows: width, cols: dim),
                 down: try w.matrix(p + "ffn_down\(suffix).weight", rows: dim, cols: width), activation: .silu)
    }

    private static func moe(_ w: WeightLoader, _ p: String, _ c: Configuration) throws -> MixtureOfExperts {
        var moe = try w.mixtureOfExperts(p, experts: c.experts, used: c.expertsUsed, dim: c.dim, expertDim: c.expertDim,
                                         normalizeTopK: c.normalizeTopK)
        moe.weightScale = c.weightScale
        moe.shared = try mlp(w, p, "_shexp", c.expertDim * c.sharedExperts, c.dim)
        return moe
    }

    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        guard adapters.isEmpty else { throw ModelError("deepseek2: LoRA adapters are not supported for this architecture yet") }
        return self
    }

    public func makeState(contextSize: Int, maxBatch t: Int, numerics: Numerics) -> ModelState {
        let c = config, H = c.heads, row = c.headDim, ffn = max(c.ffnDim, c.expertDim * max(1, c.sharedExperts))
        let sizes: [Buffer: Int] = [
            .x: t * c.dim, .xn: t * c.dim, .proj: t * c.dim, .qa: t * c.queryRank, .q: t * H * (c.nope + c.rope), .kv: t * row,
            .query: t * H * row, .attn: t * H * row, .gather: t * H * max(c.nope, c.latent), .headOut: t * H * max(c.latent, c.value),
            .heads: t * H * c.value, .gate: t * ffn, .up: t * ffn,
        ]
        return ModelState(
            cache: KVCache(layers: c.layers, capacity: contextSize, kvDim: row, halfPrecision: numerics.halfPrecisionKV, valuesAreKeys: true),
            maxBatch: t, numerics: numerics, scratch: Scratch(sizes: Buffer.allCases.map { sizes[$0]! }),
            activations: ActivationBuffer(tokens: t * max(H, c.expertsUsed), cols: max(ffn, c.dim, H * c.value, c.queryRank, c.latent, c.nope)))
    }

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count, C = c.dim
        let b = { (buffer: Buffer) in state.scratch[buffer.rawValue] }
        let x = b(.x), xn = b(.xn), proj = b(.proj)
        let buffers = LatentAttention.Buffers(qa: b(.qa), q: b(.q), kv: b(.kv), query: b(.query), attn: b(.attn), gather: b(.gather),
                                              headOut: b(.headOut), heads: b(.heads))
        for (t, token) in tokens.enumerated() { embedding.dequantize(row: token, into: x + t * C) }
        for (l, layer) in layers.enumerated() {
            for t in 0..<T { rmsNorm(x + t * C, weight: layer.attnNorm, eps: c.eps, out: xn + t * C, dim: C) }
            layer.attention(layer: l, xn, out: proj, tokens: T, dim: C, shape: c.attentionShape, rope: rope, placement: placement,
                            state: state, buffers: buffers, pool: pool)
            add(proj, into: x, T * C)
            for t in 0..<T { rmsNorm(x + t * C, weight: layer.ffnNorm, eps: c.eps, out: xn + t * C, dim: C) }
            switch layer.ffn {
            case .dense(let mlp):
                mlp(xn, out: proj, tokens: T, dim: C, ffnDim: c.ffnDim, lora: LayerAdapters(), state: state,
                    gateBuffer: b(.gate), upBuffer: b(.up), pool: pool)
            case .experts(let moe):
                moe(xn, out: proj, tokens: T, dim: C, expertDim: c.expertDim, sharedDim: c.expertDim * c.sharedExperts, state: state,
                    gateBuffer: b(.gate), upBuffer: b(.up), pool: pool)
            }
            add(proj, into: x, T * C)
        }
        for t in 0..<T { rmsNorm(x + t * C, weight: outputNorm, eps: c.eps, out: hidden + t * C, dim: C) }
    }

    public func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>) {
        matmul(output, hidden, out, tokens: rows, pool: pool, scratch: state.activations)
    }
}
