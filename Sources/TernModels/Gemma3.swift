import Foundation
import TernGGUF
import TernCKernels
import TernKernels

/// Gemma 3 (text), as llama.cpp's gemma3 graph runs it.
///
/// Shape letters: T tokens in the batch, C = dim, H query heads, Hkv key/value heads, D head dim,
/// F feed-forward width, V vocabulary.
public final class Gemma3: CausalLM, PlacedForward, @unchecked Sendable {  // immutable after init; weights point into the mmap

    // MARK: Configuration

    public struct Configuration: Sendable, Equatable, DecoderShape {
        public var dim: Int              // C
        public var layers: Int
        public var ffnDim: Int           // F
        public var heads: Int            // H
        public var kvHeads: Int          // Hkv
        public var headDim: Int          // D
        public var vocabularySize: Int   // V
        public var contextLength: Int
        public var eps: Float
        public var ropeBaseGlobal: Float // rope.freq_base, on global layers
        public var ropeBaseLocal: Float  // 10 000 on sliding-window layers (fixed by the architecture)
        public var slidingWindow: Int

        /// Five layers out of six attend within a sliding window; every sixth is global.
        public func isSliding(_ layer: Int) -> Bool { layer % 6 != 5 }
    }

    // MARK: Weights

    package struct Layer: AdaptableLayer {
        package let attnNorm: UnsafePointer<Float>      // (C)
        package let wq: QuantMatrix                     // (H*D, C)
        package let wk: QuantMatrix                     // (Hkv*D, C)
        package let wv: QuantMatrix                     // (Hkv*D, C)
        package let qNorm: UnsafePointer<Float>         // (D)
        package let kNorm: UnsafePointer<Float>         // (D)
        package let wo: QuantMatrix                     // (C, H*D)
        package let postAttnNorm: UnsafePointer<Float>  // (C)
        package let ffnNorm: UnsafePointer<Float>       // (C)
        package let gate: QuantMatrix                   // (F, C)
        package let up: QuantMatrix                     // (F, C)
        package let down: QuantMatrix                   // (C, F)
        package let postFFNNorm: UnsafePointer<Float>   // (C)
        /// LoRA adapters applied after each product (none unless the model was loaded with some).
        var lora = LayerAdapters()

        var attention: SelfAttention { SelfAttention(wq: wq, wk: wk, wv: wv, wo: wo) }
        var mlp: GatedMLP { GatedMLP(gate: gate, up: up, down: down, activation: .geluTanh) }
    }

    public let config: Configuration
    package let embedding: QuantMatrix              // (V, C), tied with the output projection
    package let layers: [Layer]
    package let outputNorm: UnsafePointer<Float>    // (C)
    private let ropeGlobal: RoPE
    private let ropeLocal: RoPE
    public let pool: ThreadPool
    private let file: GGUFFile                  // keeps the mapping alive

    public var architecture: String { "gemma3" }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    /// `adapters`: LoRA adapters (llama.cpp's format) added to the products of the layers they name.
    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        let w = WeightLoader(file: file, prefix: "gemma3")
        let dim = try w.int("embedding_length")
        let heads = try w.int("attention.head_count")
        let vocabulary = try w.vocabularySize(dim: dim)
        let c = Configuration(
            dim: dim, layers: try w.int("block_count"), ffnDim: try w.int("feed_forward_length"),
            heads: heads, kvHeads: w.optionalInt("attention.head_count_kv") ?? heads,
            headDim: w.optionalInt("attention.key_length") ?? dim / heads,
            vocabularySize: vocabulary, contextLength: try w.int("context_length"),
            eps: try w.float("attention.layer_norm_rms_epsilon"),
            ropeBaseGlobal: w.optionalFloat("rope.freq_base") ?? 1_000_000, ropeBaseLocal: 10_000,
            slidingWindow: w.optionalInt("attention.sliding_window") ?? 512)
        guard c.heads % c.kvHeads == 0, c.headDim % 2 == 0 else {
            throw ModelError("gemma3: \(c.heads) query heads cannot share \(c.kvHeads) KV heads of dim \(c.headDim)")
        }
        let qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim
        let plain = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            return Layer(
                attnNorm: try w.vector(p + "attn_norm.weight", count: c.dim),
                wq: try w.matrix(p + "attn_q.weight", rows: qDim, cols: c.dim),
                wk: try w.matrix(p + "attn_k.weight", rows: kvDim, cols: c.dim),
                wv: try w.matrix(p + "attn_v.weight", rows: kvDim, cols: c.dim),
                qNorm: try w.vector(p + "attn_q_norm.weight", count: c.headDim),
                kNorm: try w.vector(p + "attn_k_norm.weight", count: c.headDim),
                wo: try w.matrix(p + "attn_output.weight", rows: c.dim, cols: qDim),
                postAttnNorm: try w.vector(p + "post_attention_norm.weight", count: c.dim),
                ffnNorm: try w.vector(p + "ffn_norm.weight", count: c.dim),
                gate: try w.matrix(p + "ffn_gate.weight", rows: c.ffnDim, cols: c.dim),
                up: try w.matrix(p + "ffn_up.weight", rows: c.ffnDim, cols: c.dim),
                down: try w.matrix(p + "ffn_down.weight", rows: c.dim, cols: c.ffnDim),
                postFFNNorm: try w.vector(p + "post_ffw_norm.weight", count: c.dim))
        }
        layers = try LayerAdapters.attach(adapters, to: plain, architecture: "gemma3", shape: c)
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.dim)
        outputNorm = try w.vector("output_norm.weight", count: c.dim)
        config = c
        ropeGlobal = RoPE(headDim: c.headDim, base: c.ropeBaseGlobal)
        ropeLocal = RoPE(headDim: c.headDim, base: c.ropeBaseLocal)
        self.pool = pool
        self.file = file
    }

    private init(_ base: Gemma3, layers: [Layer]) {
        config = base.config
        embedding = base.embedding
        self.layers = layers
        outputNorm = base.outputNorm
        ropeGlobal = base.ropeGlobal
        ropeLocal = base.ropeLocal
        pool = base.pool
        file = base.file
    }

    /// This model with `adapters` instead of its own, sharing every weight (and the packed copies)
    /// with it: several adapters over one base cost only the adapters' memory.
    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        try Gemma3(self, layers: LayerAdapters.attach(adapters, to: layers, architecture: "gemma3", shape: config))
    }


    public func makeState(contextSize: Int, maxBatch: Int, numerics: Numerics) -> ModelState {
        .decoder(config, contextSize: contextSize, maxBatch: maxBatch, numerics: numerics)
    }

    // MARK: Model

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count
        let x = state[.x]  // (T, C) residual stream
        for (t, token) in tokens.enumerated() {
            embedding.dequantize(row: token, into: x + t * c.dim)
            scale(x + t * c.dim, embeddingScale, c.dim)
        }
        for l in 0..<c.layers {
            block(l, x: x, tokens: T, placement: placement, state: state)
        }
        for t in 0..<T {
            rmsNorm(x + t * c.dim, weight: outputNorm, eps: c.eps, out: hidden + t * c.dim, dim: c.dim)
        }
    }

    public func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>) {
        matmul(embedding, hidden, out, tokens: rows, pool: pool, scratch: state.activations)  // tied output projection
    }

    // MARK: Block

    /// h = x + norm(attn(norm(x))); x' = h + norm(mlp(norm(h)))
    private func block(_ l: Int, x: UnsafeMutablePointer<Float>, tokens T: Int, placement: Placement, state: ModelState) {
        let c = config, layer = layers[l]
        let xn = state[.xn], proj = state[.proj]

        normRows(x, layer.attnNorm, out: xn, tokens: T)
        layer.attention(layer: l, xn, out: proj, tokens: T, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, dim: c.dim,
                        window: c.isSliding(l) ? c.slidingWindow : nil, lora: layer.lora, placement: placement, state: state,
                        buffers: state.attentionBuffers,
                        pool: pool) { q, k, position in
            positionQueryAndKey(l, q: q, k: k, qOut: q, kOut: k, qNorm: layer.qNorm, kNorm: layer.kNorm, position: position)
        }
        normRows(proj, layer.postAttnNorm, out: proj, tokens: T)
        add(proj, into: x, T * c.dim)

        normRows(x, layer.ffnNorm, out: xn, tokens: T)
        layer.mlp(xn, out: proj, tokens: T, dim: c.dim, ffnDim: c.ffnDim, lora: layer.lora, state: state,
                  gateBuffer: state[.gate], upBuffer: state[.up], pool: pool)
        normRows(proj, layer.postFFNNorm, out: proj, tokens: T)
        add(proj, into: x, T * c.dim)
    }

    private func normRows(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>,
                          out: UnsafeMutablePointer<Float>, tokens T: Int) {
        let dim = config.dim, eps = config.eps
        for t in 0..<T { rmsNorm(x + t * dim, weight: w, eps: eps, out: out + t * dim, dim: dim) }
    }

    // MARK: Attention

    /// Embeddings are scaled by √C, as in Gemma.
    package var embeddingScale: Float { Float(config.dim).squareRoot() }

    /// One token's queries and keys made ready for attention: RMSNorm per head (Gemma 3's Q/K
    /// norms), NEOX RoPE at `position` (base 10 000 on sliding layers, rope.freq_base on global
    /// ones), queries scaled by 1/√D (query_pre_attn_scalar = head_dim). q (H·D) and k (Hkv·D) may
    /// be their own outputs. Training's backward pass is `positionQueryAndKeyBackward` below.
    package func positionQueryAndKey(_ l: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>, qOut: UnsafeMutablePointer<Float>,
                                     kOut: UnsafeMutablePointer<Float>, qNorm: UnsafePointer<Float>, kNorm: UnsafePointer<Float>,
                                     position: Int) {
        let c = config, D = c.headDim, rope = c.isSliding(l) ? ropeLocal : ropeGlobal
        for h in 0..<c.heads { rmsNorm(q + h * D, weight: qNorm, eps: c.eps, out: qOut + h * D, dim: D) }
        for h in 0..<c.kvHeads { rmsNorm(k + h * D, weight: kNorm, eps: c.eps, out: kOut + h * D, dim: D) }
        rope.apply(qOut, heads: c.heads, position: position)
        rope.apply(kOut, heads: c.kvHeads, position: position)
        scale(qOut, 1 / Float(D).squareRoot(), c.heads * D)
    }

    /// The backward pass of `positionQueryAndKey`: dq and dk hold ∂/∂ of its outputs on entry and
    /// ∂/∂ of its inputs q, k (given again) on return; the norms' weight gradients are added to
    /// dQNorm and dKNorm when given.
    package func positionQueryAndKeyBackward(_ l: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>,
                                             dk: UnsafeMutablePointer<Float>, qNorm: UnsafePointer<Float>, kNorm: UnsafePointer<Float>,
                                             dQNorm: UnsafeMutablePointer<Float>?, dKNorm: UnsafeMutablePointer<Float>?, position: Int) {
        let c = config, D = c.headDim, rope = c.isSliding(l) ? ropeLocal : ropeGlobal
        scale(dq, 1 / Float(D).squareRoot(), c.heads * D)
        rope.applyBackward(dq, heads: c.heads, position: position)
        rope.applyBackward(dk, heads: c.kvHeads, position: position)
        for h in 0..<c.heads { rmsNormBackward(q + h * D, weight: qNorm, eps: c.eps, dy: dq + h * D, dx: dq + h * D, dWeight: dQNorm, dim: D) }
        for h in 0..<c.kvHeads { rmsNormBackward(k + h * D, weight: kNorm, eps: c.eps, dy: dk + h * D, dx: dk + h * D, dWeight: dKNorm, dim: D) }
    }
}
