import Foundation
import TernGGUF
import TernKernels

/// Falcon, as llama.cpp's falcon graph runs it: multi-query attention (one key/value head shared by
/// every query head, from one fused QKV projection) and the MLP computed in parallel from the same
/// LayerNorm output and both added to the residual, NEOX RoPE, no biases in the projections.
///
///     x' = x + attn(ln(x)) + mlp(ln(x))
///
/// Falcon-40B's "new decoder architecture" gives attention its own norm (`attn_norm_2`); the MLP
/// still reads the first one. Shape letters: T tokens, C = dim, H query heads, Hkv KV heads,
/// D = C/H head dim, F feed-forward width, V vocabulary.
public final class Falcon: CausalLM, PlacedForward, @unchecked Sendable {  // immutable after init; weights point into the mmap

    public struct Configuration: Sendable, Equatable, DecoderShape {
        public var dim: Int              // C
        public var layers: Int
        public var ffnDim: Int           // F
        public var heads: Int            // H
        public var kvHeads: Int          // Hkv
        public var vocabularySize: Int   // V
        public var contextLength: Int
        public var eps: Float
        public var ropeBase: Float
        public var headDim: Int { dim / heads }
    }

    struct Layer {
        let attnNorm: LayerNormWeights
        let attnNorm2: LayerNormWeights?
        let attention: SelfAttention
        let mlp: MLP
    }

    public let config: Configuration
    let embedding: QuantMatrix               // (V, C)
    let output: QuantMatrix                  // (V, C)
    let layers: [Layer]
    let outputNorm: LayerNormWeights
    let rope: RoPE
    public let pool: ThreadPool
    private let file: GGUFFile

    public var architecture: String { "falcon" }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        let w = WeightLoader(file: file, prefix: "falcon")
        let dim = try w.int("embedding_length"), heads = try w.int("attention.head_count")
        let vocabulary = try w.vocabularySize(dim: dim)
        let c = Configuration(dim: dim, layers: try w.int("block_count"), ffnDim: try w.int("feed_forward_length"), heads: heads,
                              kvHeads: w.optionalInt("attention.head_count_kv") ?? 1, vocabularySize: vocabulary,
                              contextLength: try w.int("context_length"), eps: try w.float("attention.layer_norm_epsilon"),
                              ropeBase: w.optionalFloat("rope.freq_base") ?? 10_000)
        guard c.dim % c.heads == 0, c.heads % c.kvHeads == 0 else {
            throw ModelError("falcon: \(c.heads) query heads of \(c.dim) dimensions cannot share \(c.kvHeads) KV heads")
        }
        let kvDim = c.kvHeads * c.headDim
        let plain = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            let qkv = try w.matrices(p + "attn_qkv.weight", parts: [c.dim, kvDim, kvDim], cols: c.dim)
            return Layer(
                attnNorm: try w.layerNorm(p + "attn_norm", count: c.dim),
                attnNorm2: file.tensor(named: p + "attn_norm_2.weight") == nil ? nil : try w.layerNorm(p + "attn_norm_2", count: c.dim),
                attention: SelfAttention(wq: qkv[0], wk: qkv[1], wv: qkv[2], wo: try w.matrix(p + "attn_output.weight", rows: c.dim, cols: c.dim)),
                mlp: MLP(up: try w.matrix(p + "ffn_up.weight", rows: c.ffnDim, cols: c.dim),
                         down: try w.matrix(p + "ffn_down.weight", rows: c.dim, cols: c.ffnDim)))
        }
        guard adapters.isEmpty else { throw ModelError("falcon: LoRA adapters are not supported for Falcon yet") }
        layers = plain
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.dim)
        output = try w.output(tiedTo: embedding)
        outputNorm = try w.layerNorm("output_norm", count: c.dim)
        rope = RoPE(headDim: c.headDim, base: c.ropeBase, style: .neox)
        config = c
        self.pool = pool
        self.file = file
    }

    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        guard adapters.isEmpty else { throw ModelError("falcon: LoRA adapters are not supported for Falcon yet") }
        return self
    }

    public func makeState(contextSize: Int, maxBatch: Int, numerics: Numerics) -> ModelState {
        .decoder(config, contextSize: contextSize, maxBatch: maxBatch, numerics: numerics)
    }

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count, C = c.dim, x = state[.x], xn = state[.xn], proj = state[.proj]
        let xn2 = state[.up]  // the second norm's output (Falcon-40B), in a buffer the MLP does not use
        for (t, token) in tokens.enumerated() { embedding.dequantize(row: token, into: x + t * C) }
        for (l, layer) in layers.enumerated() {
            for t in 0..<T { layer.attnNorm(x + t * C, eps: c.eps, out: xn + t * C, dim: C) }
            var attentionInput = xn
            if let norm2 = layer.attnNorm2 {
                for t in 0..<T { norm2(x + t * C, eps: c.eps, out: xn2 + t * C, dim: C) }
                attentionInput = xn2
            }
            layer.attention(layer: l, attentionInput, out: proj, tokens: T, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim,
                            dim: C, window: nil, lora: LayerAdapters(), placement: placement, state: state,
                            buffers: state.attentionBuffers, pool: pool) { q, k, position in
                rope.apply(q, heads: c.heads, position: position)
                rope.apply(k, heads: c.kvHeads, position: position)
                scale(q, 1 / Float(c.headDim).squareRoot(), C)
            }
            add(proj, into: x, T * C)
            layer.mlp(xn, out: proj, tokens: T, dim: C, ffnDim: c.ffnDim, lora: LayerAdapters(), state: state, hiddenBuffer: state[.gate], pool: pool)
            add(proj, into: x, T * C)
        }
        for t in 0..<T { outputNorm(x + t * C, eps: c.eps, out: hidden + t * C, dim: C) }
    }

    public func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>) {
        matmul(output, hidden, out, tokens: rows, pool: pool, scratch: state.activations)
    }
}
