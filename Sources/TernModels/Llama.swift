import Foundation
import TernGGUF
import TernKernels

/// The Llama family, as llama.cpp's llama, qwen2, qwen3, qwen2moe and qwen3moe graphs run it:
/// pre-norm blocks of grouped-query attention with RoPE and a SwiGLU MLP (or a mixture of SwiGLU
/// experts), RMSNorm everywhere.
///
///     h = x + attn(rmsnorm(x));  x' = h + mlp(rmsnorm(h))
///
/// The variants are configuration: Llama 2/3 (and TinyLlama, SmolLM2, Mistral) rotate neighbouring
/// dimensions and Llama 3 divides the RoPE frequencies by `rope_freqs`; Qwen 2 adds biases to the
/// Q/K/V projections; Qwen 3 RMS-normalises each query and key head before RoPE; both Qwens use
/// the NEOX rotation. The MoE variants replace the MLP by `MixtureOfExperts`: Qwen2-MoE with softmax
/// weights over the top k and a sigmoid-gated shared expert, Qwen3-MoE renormalising the top k's
/// weights and sharing nothing. BitNet b1.58 (`bitnet`) is the Llama block with ternary weights
/// (TQ1_0/TQ2_0 in the file) and an RMSNorm before each of the two down projections (the attention
/// output and the MLP's product), NEOX RoPE and a tied output. The output projection is tied to the
/// embedding when the file has no `output`.
///
/// Shape letters: T tokens, C = dim, H query heads, Hkv key/value heads, D head dim, F feed-forward
/// width, V vocabulary.
public final class Llama: CausalLM, PlacedForward, @unchecked Sendable {  // immutable after init; weights point into the mmap

    public struct Configuration: Sendable, Equatable, DecoderShape {
        public var architecture: String
        public var dim: Int              // C
        public var layers: Int
        public var ffnDim: Int           // F
        public var heads: Int            // H
        public var kvHeads: Int          // Hkv
        public var headDim: Int          // D
        public var vocabularySize: Int   // V
        public var contextLength: Int
        public var eps: Float
        public var ropeBase: Float
        public var ropeStyle: RoPE.Style
        /// Qwen 2: biases on the Q, K and V projections.
        public var qkvBias: Bool
        /// Qwen 3: per-head RMSNorm of queries and keys.
        public var qkNorm: Bool
        /// BitNet: RMSNorms of the attention output and of the MLP's gated product.
        public var subNorms = false
        /// Mistral-style sliding window on every layer (nil: full attention).
        public var slidingWindow: Int?
        /// Mixture of experts (Qwen-MoE): E experts, k used per token, each Fe wide; a shared
        /// expert Fs wide (0: none). `ffnDim` is then the widest of Fe and Fs.
        public var experts = 0, expertsUsed = 0, expertDim = 0, sharedExpertDim = 0
        public var normalizeTopK = false
        public var routedPerToken: Int { max(1, expertsUsed) }
    }

    enum FeedForward {
        case dense(GatedMLP)
        case experts(MixtureOfExperts)
    }

    struct Layer: AdaptableLayer {
        let attnNorm: UnsafePointer<Float>   // (C)
        let attention: SelfAttention
        let qNorm: UnsafePointer<Float>?     // (D), Qwen 3
        let kNorm: UnsafePointer<Float>?     // (D), Qwen 3
        let ffnNorm: UnsafePointer<Float>    // (C)
        let ffn: FeedForward
        var lora = LayerAdapters()
    }

    public let config: Configuration
    let embedding: QuantMatrix               // (V, C)
    let output: QuantMatrix                  // (V, C): the embedding if tied
    let layers: [Layer]
    let outputNorm: UnsafePointer<Float>     // (C)
    let rope: RoPE
    public let pool: ThreadPool
    private let file: GGUFFile

    public var architecture: String { config.architecture }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    /// The architectures this file runs, by `general.architecture`.
    static let variants = ["llama", "qwen2", "qwen3", "qwen2moe", "qwen3moe", "bitnet"]

    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        guard let arch = file.architecture, Self.variants.contains(arch) else {
            throw ModelError("Llama runs \(Self.variants.joined(separator: ", ")), not \(file.architecture ?? "an unnamed architecture")")
        }
        let w = WeightLoader(file: file, prefix: arch)
        let dim = try w.int("embedding_length"), heads = try w.int("attention.head_count")
        let vocabulary = try w.vocabularySize(dim: dim)
        let moe = arch.hasSuffix("moe")
        var c = Configuration(
            architecture: arch, dim: dim, layers: try w.int("block_count"), ffnDim: moe ? 0 : try w.int("feed_forward_length"),
            heads: heads, kvHeads: w.optionalInt("attention.head_count_kv") ?? heads,
            headDim: w.optionalInt("attention.key_length") ?? dim / heads, vocabularySize: vocabulary,
            contextLength: try w.int("context_length"), eps: try w.float("attention.layer_norm_rms_epsilon"),
            ropeBase: w.optionalFloat("rope.freq_base") ?? 10_000, ropeStyle: arch == "llama" ? .normal : .neox,  // (bitnet: NEOX)
            qkvBias: arch == "qwen2" || arch == "qwen2moe", qkNorm: arch == "qwen3" || arch == "qwen3moe",
            slidingWindow: w.optionalInt("attention.sliding_window"))
        c.subNorms = arch == "bitnet"
        if c.subNorms, file.tensors.contains(where: { $0.name.hasSuffix(".scale") }) {
            throw ModelError("bitnet: per-tensor weight scales (blk.N.*.scale) are not supported yet")
        }
        if moe {
            c.experts = try w.int("expert_count")
            c.expertsUsed = try w.int("expert_used_count")
            c.expertDim = try w.int("expert_feed_forward_length")
            c.sharedExpertDim = w.optionalInt("expert_shared_feed_forward_length") ?? 0
            c.normalizeTopK = arch == "qwen3moe"
            c.ffnDim = max(c.expertDim, c.sharedExpertDim)
            guard c.expertsUsed <= c.experts else { throw ModelError("\(arch): \(c.expertsUsed) experts used of \(c.experts)") }
        }
        guard c.heads % c.kvHeads == 0, c.headDim % 2 == 0 else {
            throw ModelError("\(arch): \(c.heads) query heads cannot share \(c.kvHeads) KV heads of dim \(c.headDim)")
        }
        if let rotated = w.optionalInt("rope.dimension_count"), rotated != c.headDim {
            throw ModelError("\(arch): RoPE over \(rotated) of \(c.headDim) head dimensions is not supported yet")
        }
        let qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim
        let plain = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            var attention = SelfAttention(
                wq: try w.matrix(p + "attn_q.weight", rows: qDim, cols: c.dim), wk: try w.matrix(p + "attn_k.weight", rows: kvDim, cols: c.dim),
                wv: try w.matrix(p + "attn_v.weight", rows: kvDim, cols: c.dim), wo: try w.matrix(p + "attn_output.weight", rows: c.dim, cols: qDim))
            var ffn: FeedForward = moe ? .experts(try Self.experts(w, p, c)) : .dense(try Self.mlp(w, p, suffix: "", c.ffnDim, c))
            if c.subNorms, case .dense(var mlp) = ffn {
                attention.subNorm = (try w.vector(p + "attn_sub_norm.weight", count: qDim), c.eps)
                mlp.subNorm = (try w.vector(p + "ffn_sub_norm.weight", count: c.ffnDim), c.eps)
                ffn = .dense(mlp)
            }
            if c.qkvBias {
                attention.bq = try w.vector(p + "attn_q.bias", count: qDim)
                attention.bk = try w.vector(p + "attn_k.bias", count: kvDim)
                attention.bv = try w.vector(p + "attn_v.bias", count: kvDim)
            }
            return Layer(
                attnNorm: try w.vector(p + "attn_norm.weight", count: c.dim), attention: attention,
                qNorm: c.qkNorm ? try w.vector(p + "attn_q_norm.weight", count: c.headDim) : nil,
                kNorm: c.qkNorm ? try w.vector(p + "attn_k_norm.weight", count: c.headDim) : nil,
                ffnNorm: try w.vector(p + "ffn_norm.weight", count: c.dim), ffn: ffn)
        }
        layers = try LayerAdapters.attach(adapters, to: plain, architecture: arch, shape: c)
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.dim)
        output = try w.output(tiedTo: embedding)
        outputNorm = try w.vector("output_norm.weight", count: c.dim)
        let factors = file.tensor(named: "rope_freqs.weight") == nil ? nil
            : Array(UnsafeBufferPointer(start: try w.vector("rope_freqs.weight", count: c.headDim / 2), count: c.headDim / 2))
        rope = RoPE(headDim: c.headDim, base: c.ropeBase, style: c.ropeStyle, frequencyFactors: factors)
        config = c
        self.pool = pool
        self.file = file
    }

    /// A SwiGLU MLP of width `width` from `ffn_gate<suffix>`, `ffn_up<suffix>`, `ffn_down<suffix>`.
    private static func mlp(_ w: WeightLoader, _ p: String, suffix: String, _ width: Int, _ c: Configuration) throws -> GatedMLP {
        GatedMLP(gate: try w.matrix(p + "ffn_gate\(suffix).weight", rows: width, cols: c.dim),
                 up: try w.matrix(p + "ffn_up\(suffix).weight", rows: width, cols: c.dim),
                 down: try w.matrix(p + "ffn_down\(suffix).weight", rows: c.dim, cols: width), activation: .silu)
    }

    private static func experts(_ w: WeightLoader, _ p: String, _ c: Configuration) throws -> MixtureOfExperts {
        var moe = try w.mixtureOfExperts(p, experts: c.experts, used: c.expertsUsed, dim: c.dim, expertDim: c.expertDim,
                                         normalizeTopK: c.normalizeTopK)
        if c.sharedExpertDim > 0 {
            moe.shared = try mlp(w, p, suffix: "_shexp", c.sharedExpertDim, c)
            // (C) in some files, (1, C) in others
            let name = p + "ffn_gate_inp_shexp.weight"
            if w.file.tensor(named: name)?.shape.count == 1 {
                moe.sharedGate = Array(UnsafeBufferPointer(start: try w.vector(name, count: c.dim), count: c.dim))
            } else {
                let gate = try w.matrix(name, rows: 1, cols: c.dim)
                moe.sharedGate = [Float](unsafeUninitializedCapacity: c.dim) { buffer, n in
                    gate.dequantize(row: 0, into: buffer.baseAddress!)
                    n = c.dim
                }
            }
        }
        return moe
    }

    private init(_ base: Llama, layers: [Layer]) {
        config = base.config
        embedding = base.embedding
        output = base.output
        self.layers = layers
        outputNorm = base.outputNorm
        rope = base.rope
        pool = base.pool
        file = base.file
    }

    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        Llama(self, layers: try LayerAdapters.attach(adapters, to: layers, architecture: config.architecture, shape: config))
    }

    public func makeState(contextSize: Int, maxBatch: Int, numerics: Numerics) -> ModelState {
        .decoder(config, contextSize: contextSize, maxBatch: maxBatch, numerics: numerics)
    }

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count, x = state[.x], xn = state[.xn], proj = state[.proj]
        for (t, token) in tokens.enumerated() { embedding.dequantize(row: token, into: x + t * c.dim) }
        for (l, layer) in layers.enumerated() {
            for t in 0..<T { rmsNorm(x + t * c.dim, weight: layer.attnNorm, eps: c.eps, out: xn + t * c.dim, dim: c.dim) }
            layer.attention(layer: l, xn, out: proj, tokens: T, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, dim: c.dim,
                            window: c.slidingWindow, lora: layer.lora, placement: placement, state: state,
                            buffers: state.attentionBuffers, pool: pool) { q, k, position in
                prepare(layer, q: q, k: k, position: position)
            }
            add(proj, into: x, T * c.dim)
            for t in 0..<T { rmsNorm(x + t * c.dim, weight: layer.ffnNorm, eps: c.eps, out: xn + t * c.dim, dim: c.dim) }
            switch layer.ffn {
            case .dense(let mlp):
                mlp(xn, out: proj, tokens: T, dim: c.dim, ffnDim: c.ffnDim, lora: layer.lora, state: state,
                    gateBuffer: state[.gate], upBuffer: state[.up], pool: pool)
            case .experts(let moe):
                moe(xn, out: proj, tokens: T, dim: c.dim, expertDim: c.expertDim, sharedDim: c.sharedExpertDim, state: state,
                    gateBuffer: state[.gate], upBuffer: state[.up], pool: pool)
            }
            add(proj, into: x, T * c.dim)
        }
        for t in 0..<T { rmsNorm(x + t * c.dim, weight: outputNorm, eps: c.eps, out: hidden + t * c.dim, dim: c.dim) }
    }

    /// One token's query (H·D) and key (Hkv·D), in place: Qwen 3's per-head norms, RoPE, and the
    /// queries scaled by 1/√D.
    private func prepare(_ layer: Layer, q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, position: Int) {
        let c = config, D = c.headDim
        if let qNorm = layer.qNorm, let kNorm = layer.kNorm {
            for h in 0..<c.heads { rmsNorm(q + h * D, weight: qNorm, eps: c.eps, out: q + h * D, dim: D) }
            for h in 0..<c.kvHeads { rmsNorm(k + h * D, weight: kNorm, eps: c.eps, out: k + h * D, dim: D) }
        }
        rope.apply(q, heads: c.heads, position: position)
        rope.apply(k, heads: c.kvHeads, position: position)
        scale(q, 1 / Float(D).squareRoot(), c.heads * D)
    }

    public func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>) {
        matmul(output, hidden, out, tokens: rows, pool: pool, scratch: state.activations)
    }
}
