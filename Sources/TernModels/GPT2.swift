import Foundation
import TernGGUF
import TernKernels

/// GPT-2, as llama.cpp's gpt2 graph runs it: learned absolute position embeddings added to the
/// token embeddings, pre-LayerNorm blocks of full multi-head attention (one fused QKV projection,
/// biases everywhere, no rotary positions) and a GELU MLP, a final LayerNorm, and the output
/// projection tied to the embedding unless the file has its own.
///
///     x = wte[token] + wpe[position]
///     h = x + attn(ln_1(x));  x' = h + mlp(ln_2(h))
///
/// Shape letters: T tokens, C = dim, H heads, D = C/H head dim, F feed-forward width, V vocabulary,
/// P trained positions.
public final class GPT2: CausalLM, PlacedForward, @unchecked Sendable {  // immutable after init; weights point into the mmap

    public struct Configuration: Sendable, Equatable {
        public var dim: Int              // C
        public var layers: Int
        public var ffnDim: Int           // F
        public var heads: Int            // H
        public var vocabularySize: Int   // V
        public var contextLength: Int    // P
        public var eps: Float
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
    let positions: QuantMatrix               // (P, C)
    let output: QuantMatrix                  // (V, C)
    let layers: [Layer]
    let outputNorm: LayerNormWeights
    let lora: [LayerAdapters]                // empty slots: no adapters are trained for GPT-2 yet
    public let pool: ThreadPool
    private let file: GGUFFile

    public var architecture: String { "gpt2" }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        let w = WeightLoader(file: file, prefix: "gpt2")
        let dim = try w.int("embedding_length")
        guard let embd = file.tensor(named: "token_embd.weight"), embd.shape.count == 2, embd.shape[0] == dim else {
            throw ModelError.badShape("token_embd.weight", file.tensor(named: "token_embd.weight")?.shape ?? [], expected: [dim, -1])
        }
        let c = Configuration(dim: dim, layers: try w.int("block_count"), ffnDim: try w.int("feed_forward_length"),
                              heads: try w.int("attention.head_count"), vocabularySize: embd.shape[1],
                              contextLength: try w.int("context_length"), eps: try w.float("attention.layer_norm_epsilon"))
        guard c.dim % c.heads == 0 else { throw ModelError("gpt2: \(c.dim) dimensions do not split into \(c.heads) heads") }
        func norm(_ name: String) throws -> LayerNormWeights { try w.layerNorm(name, count: c.dim) }
        layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            let qkv = try w.matrices(p + "attn_qkv.weight", parts: [c.dim, c.dim, c.dim], cols: c.dim)
            let bias = try w.vectors(p + "attn_qkv.bias", parts: [c.dim, c.dim, c.dim])
            return Layer(
                attnNorm: try norm(p + "attn_norm"),
                attention: SelfAttention(wq: qkv[0], wk: qkv[1], wv: qkv[2], wo: try w.matrix(p + "attn_output.weight", rows: c.dim, cols: c.dim),
                                         bq: bias[0], bk: bias[1], bv: bias[2], bo: try w.vector(p + "attn_output.bias", count: c.dim)),
                ffnNorm: try norm(p + "ffn_norm"),
                mlp: MLP(up: try w.matrix(p + "ffn_up.weight", rows: c.ffnDim, cols: c.dim),
                         down: try w.matrix(p + "ffn_down.weight", rows: c.dim, cols: c.ffnDim),
                         upBias: try w.vector(p + "ffn_up.bias", count: c.ffnDim), downBias: try w.vector(p + "ffn_down.bias", count: c.dim)))
        }
        guard adapters.isEmpty else { throw ModelError("gpt2: LoRA adapters are not supported for GPT-2 yet") }
        lora = Array(repeating: LayerAdapters(), count: c.layers)
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.dim)
        positions = try w.matrix("position_embd.weight", rows: c.contextLength, cols: c.dim)
        output = file.tensor(named: "output.weight") == nil ? embedding : try w.matrix("output.weight", rows: c.vocabularySize, cols: c.dim)
        outputNorm = try norm("output_norm")
        config = c
        self.pool = pool
        self.file = file
    }

    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        guard adapters.isEmpty else { throw ModelError("gpt2: LoRA adapters are not supported for GPT-2 yet") }
        return self
    }

    public func makeState(contextSize: Int, maxBatch: Int, numerics: Numerics) -> ModelState {
        let c = config
        // The MLP's hidden layer uses the gate buffer.
        return .decoder(layers: c.layers, dim: c.dim, heads: c.heads, kvHeads: c.heads, headDim: c.headDim, ffnDim: c.ffnDim,
                        contextSize: min(contextSize, c.contextLength), maxBatch: maxBatch, numerics: numerics)
    }

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count, x = state[.x], xn = state[.xn], proj = state[.proj], C = c.dim
        withUnsafeTemporaryAllocation(of: Float.self, capacity: C) { position in
            for (t, token) in tokens.enumerated() {
                embedding.dequantize(row: token, into: x + t * C)
                positions.dequantize(row: placement.slot(t).position, into: position.baseAddress!)
                add(position.baseAddress!, into: x + t * C, C)
            }
        }
        for (l, layer) in layers.enumerated() {
            for t in 0..<T { layer.attnNorm(x + t * C, eps: c.eps, out: xn + t * C, dim: C) }
            layer.attention(layer: l, xn, out: proj, tokens: T, heads: c.heads, kvHeads: c.heads, headDim: c.headDim, dim: C,
                            window: nil, lora: lora[l], placement: placement, state: state, buffers: state.attentionBuffers,
                            pool: pool) { q, _, _ in
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
