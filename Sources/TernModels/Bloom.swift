import Foundation
import TernGGUF
import TernKernels

/// BLOOM, as llama.cpp's bloom graph runs it: GPT-2's pre-LayerNorm blocks (fused QKV, biases, GELU
/// MLP) with no position embeddings at all. Positions enter through ALiBi instead: each head adds
/// slope·(j − p) to the score of key j for the query at p, the slopes a geometric sequence per head
/// (max bias 8). The token embeddings are LayerNormed before the first block.
///
///     x = ln_emb(wte[token]);  h = x + attn_alibi(ln_1(x));  x' = h + mlp(ln_2(h))
///
/// Shape letters: T tokens, C = dim, H heads, D = C/H head dim, F feed-forward width, V vocabulary.
public final class Bloom: CausalLM, PlacedForward, @unchecked Sendable {  // immutable after init; weights point into the mmap

    public struct Configuration: Sendable, Equatable {
        public var dim: Int              // C
        public var layers: Int
        public var ffnDim: Int           // F
        public var heads: Int            // H
        public var vocabularySize: Int   // V
        public var contextLength: Int
        public var eps: Float
        public var maxAlibiBias: Float
        public var headDim: Int { dim / heads }
    }

    struct Layer {
        let attnNorm: LayerNormWeights
        let attention: SelfAttention
        let ffnNorm: LayerNormWeights
        let mlp: MLP
    }

    public let config: Configuration
    let embedding: QuantMatrix               // (V, C)
    let embeddingNorm: LayerNormWeights
    let output: QuantMatrix                  // (V, C)
    let layers: [Layer]
    let outputNorm: LayerNormWeights
    /// One ALiBi slope per head, as ggml's soft_max computes them.
    let slopes: [Float]
    let lora: [LayerAdapters]                // empty slots: no adapters are trained for BLOOM yet
    public let pool: ThreadPool
    private let file: GGUFFile

    public var architecture: String { "bloom" }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        let w = WeightLoader(file: file, prefix: "bloom")
        let dim = try w.int("embedding_length")
        guard let embd = file.tensor(named: "token_embd.weight"), embd.shape.count == 2, embd.shape[0] == dim else {
            throw ModelError.badShape("token_embd.weight", file.tensor(named: "token_embd.weight")?.shape ?? [], expected: [dim, -1])
        }
        let c = Configuration(dim: dim, layers: try w.int("block_count"), ffnDim: try w.int("feed_forward_length"),
                              heads: try w.int("attention.head_count"), vocabularySize: embd.shape[1],
                              contextLength: try w.int("context_length"), eps: try w.float("attention.layer_norm_epsilon"),
                              maxAlibiBias: w.optionalFloat("attention.max_alibi_bias") ?? 8)
        guard c.dim % c.heads == 0 else { throw ModelError("bloom: \(c.dim) dimensions do not split into \(c.heads) heads") }
        guard adapters.isEmpty else { throw ModelError("bloom: LoRA adapters are not supported for BLOOM yet") }
        layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            let qkv = try w.matrices(p + "attn_qkv.weight", parts: [c.dim, c.dim, c.dim], cols: c.dim)
            let bias = try w.vectors(p + "attn_qkv.bias", parts: [c.dim, c.dim, c.dim])
            return Layer(
                attnNorm: try w.layerNorm(p + "attn_norm", count: c.dim),
                attention: SelfAttention(wq: qkv[0], wk: qkv[1], wv: qkv[2], wo: try w.matrix(p + "attn_output.weight", rows: c.dim, cols: c.dim),
                                         bq: bias[0], bk: bias[1], bv: bias[2], bo: try w.vector(p + "attn_output.bias", count: c.dim)),
                ffnNorm: try w.layerNorm(p + "ffn_norm", count: c.dim),
                mlp: MLP(up: try w.matrix(p + "ffn_up.weight", rows: c.ffnDim, cols: c.dim),
                         down: try w.matrix(p + "ffn_down.weight", rows: c.dim, cols: c.ffnDim),
                         upBias: try w.vector(p + "ffn_up.bias", count: c.ffnDim), downBias: try w.vector(p + "ffn_down.bias", count: c.dim)))
        }
        lora = Array(repeating: LayerAdapters(), count: c.layers)
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.dim)
        embeddingNorm = try w.layerNorm("token_embd_norm", count: c.dim)
        output = file.tensor(named: "output.weight") == nil ? embedding : try w.matrix("output.weight", rows: c.vocabularySize, cols: c.dim)
        outputNorm = try w.layerNorm("output_norm", count: c.dim)
        slopes = Self.alibiSlopes(heads: c.heads, maxBias: c.maxAlibiBias)
        config = c
        self.pool = pool
        self.file = file
    }

    /// ALiBi's slopes: with n the largest power of two ≤ H, heads h < n get m0^(h+1) and the rest
    /// m1^(2(h−n)+1), where m0 = 2^(−max/n) and m1 = 2^(−max/2n).
    static func alibiSlopes(heads: Int, maxBias: Float) -> [Float] {
        let n = 1 << Int(log2(Double(heads)).rounded(.down))
        let m0 = powf(2, -maxBias / Float(n)), m1 = powf(2, -(maxBias / 2) / Float(n))
        return (0..<heads).map { h in h < n ? powf(m0, Float(h + 1)) : powf(m1, Float(2 * (h - n) + 1)) }
    }

    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        guard adapters.isEmpty else { throw ModelError("bloom: LoRA adapters are not supported for BLOOM yet") }
        return self
    }

    public func makeState(contextSize: Int, maxBatch: Int, numerics: Numerics) -> ModelState {
        let c = config
        return .decoder(layers: c.layers, dim: c.dim, heads: c.heads, kvHeads: c.heads, headDim: c.headDim, ffnDim: c.ffnDim,
                        contextSize: contextSize, maxBatch: maxBatch, numerics: numerics)
    }

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count, C = c.dim, x = state[.x], xn = state[.xn], proj = state[.proj]
        for (t, token) in tokens.enumerated() {
            embedding.dequantize(row: token, into: x + t * C)
            embeddingNorm(x + t * C, eps: c.eps, out: x + t * C, dim: C)
        }
        for (l, layer) in layers.enumerated() {
            for t in 0..<T { layer.attnNorm(x + t * C, eps: c.eps, out: xn + t * C, dim: C) }
            layer.attention(layer: l, xn, out: proj, tokens: T, heads: c.heads, kvHeads: c.heads, headDim: c.headDim, dim: C,
                            window: nil, alibi: slopes, lora: lora[l], placement: placement, state: state,
                            buffers: state.attentionBuffers, pool: pool) { q, _, _ in
                scale(q, 1 / Float(c.headDim).squareRoot(), C)
            }
            add(proj, into: x, T * C)
            for t in 0..<T { layer.ffnNorm(x + t * C, eps: c.eps, out: xn + t * C, dim: C) }
            layer.mlp(xn, out: proj, tokens: T, dim: C, ffnDim: c.ffnDim, lora: lora[l], state: state, hiddenBuffer: state[.gate], pool: pool)
            add(proj, into: x, T * C)
        }
        for t in 0..<T { outputNorm(x + t * C, eps: c.eps, out: hidden + t * C, dim: C) }
    }

    public func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>) {
        matmul(output, hidden, out, tokens: rows, pool: pool, scratch: state.activations)
    }
}
