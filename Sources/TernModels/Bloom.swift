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

    public struct Configuration: Sendable, Equatable, DecoderShape {
        public var dim: Int              // C
        public var layers: Int
        public var ffnDim: Int           // F
        public var heads: Int            // H
        public var vocabularySize: Int   // V
        public var contextLength: Int
        public var eps: Float
        public var maxAlibiBias: Float
        public var headDim: Int { dim / heads }
        public var kvHeads: Int { heads }
    }

    public let config: Configuration
    let embedding: QuantMatrix               // (V, C)
    let embeddingNorm: LayerNormWeights
    let output: QuantMatrix                  // (V, C)
    let layers: [LayerNormBlock]
    let outputNorm: LayerNormWeights
    /// One ALiBi slope per head, as ggml's soft_max computes them (owned; read by every attention call).
    private let slopes: UnsafeMutablePointer<Float>
    public let pool: ThreadPool
    private let file: GGUFFile

    public var architecture: String { "bloom" }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        let w = WeightLoader(file: file, prefix: "bloom")
        let dim = try w.int("embedding_length")
        let vocabulary = try w.vocabularySize(dim: dim)
        let c = Configuration(dim: dim, layers: try w.int("block_count"), ffnDim: try w.int("feed_forward_length"),
                              heads: try w.int("attention.head_count"), vocabularySize: vocabulary,
                              contextLength: try w.int("context_length"), eps: try w.float("attention.layer_norm_epsilon"),
                              maxAlibiBias: w.optionalFloat("attention.max_alibi_bias") ?? 8)
        guard c.dim % c.heads == 0 else { throw ModelError("bloom: \(c.dim) dimensions do not split into \(c.heads) heads") }
        guard adapters.isEmpty else { throw ModelError("bloom: LoRA adapters are not supported for BLOOM yet") }
        layers = try (0..<c.layers).map { try LayerNormBlock(w, layer: $0, dim: c.dim, ffnDim: c.ffnDim) }
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.dim)
        embeddingNorm = try w.layerNorm("token_embd_norm", count: c.dim)
        output = try w.output(tiedTo: embedding)
        outputNorm = try w.layerNorm("output_norm", count: c.dim)
        slopes = .allocate(capacity: c.heads)
        slopes.initialize(from: Self.alibiSlopes(heads: c.heads, maxBias: c.maxAlibiBias), count: c.heads)
        config = c
        self.pool = pool
        self.file = file
    }

    deinit { slopes.deallocate() }

    /// ALiBi's slopes: with n the largest power of two ≤ H, heads h < n get m0^(h+1) and the rest
    /// m1^(2(h−n)+1), where m0 = 2^(−max/n) and m1 = 2^(−max/2n).
    package static func alibiSlopes(heads: Int, maxBias: Float) -> [Float] {
        let n = 1 << Int(log2(Double(heads)).rounded(.down))
        let m0 = powf(2, -maxBias / Float(n)), m1 = powf(2, -(maxBias / 2) / Float(n))
        return (0..<heads).map { h in h < n ? powf(m0, Float(h + 1)) : powf(m1, Float(2 * (h - n) + 1)) }
    }

    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        guard adapters.isEmpty else { throw ModelError("bloom: LoRA adapters are not supported for BLOOM yet") }
        return self
    }

    public func makeState(contextSize: Int, maxBatch: Int, numerics: Numerics) -> ModelState {
        .decoder(config, contextSize: contextSize, maxBatch: maxBatch, numerics: numerics)
    }

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count, C = c.dim, x = state[.x]
        for (t, token) in tokens.enumerated() {
            embedding.dequantize(row: token, into: x + t * C)
            embeddingNorm(x + t * C, eps: c.eps, out: x + t * C, dim: C)
        }
        for (l, block) in layers.enumerated() {
            block(layer: l, x, tokens: T, dim: C, ffnDim: c.ffnDim, heads: c.heads, eps: c.eps, alibi: slopes, placement: placement,
                  state: state, pool: pool)
        }
        for t in 0..<T { outputNorm(x + t * C, eps: c.eps, out: hidden + t * C, dim: C) }
    }

    public func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>) {
        matmul(output, hidden, out, tokens: rows, pool: pool, scratch: state.activations)
    }
}
