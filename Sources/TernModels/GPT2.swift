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

    public struct Configuration: Sendable, Equatable, DecoderShape {
        public var dim: Int              // C
        public var layers: Int
        public var ffnDim: Int           // F
        public var heads: Int            // H
        public var vocabularySize: Int   // V
        public var contextLength: Int    // P
        public var eps: Float
        public var headDim: Int { dim / heads }
        public var kvHeads: Int { heads }
    }

    public let config: Configuration
    let embedding: QuantMatrix               // (V, C)
    let positions: QuantMatrix               // (P, C)
    let output: QuantMatrix                  // (V, C)
    let layers: [LayerNormBlock]
    let outputNorm: LayerNormWeights
    public let pool: ThreadPool
    private let file: GGUFFile

    public var architecture: String { "gpt2" }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        let w = WeightLoader(file: file, prefix: "gpt2")
        let dim = try w.int("embedding_length")
        let vocabulary = try w.vocabularySize(dim: dim)
        let c = Configuration(dim: dim, layers: try w.int("block_count"), ffnDim: try w.int("feed_forward_length"),
                              heads: try w.int("attention.head_count"), vocabularySize: vocabulary,
                              contextLength: try w.int("context_length"), eps: try w.float("attention.layer_norm_epsilon"))
        guard c.dim % c.heads == 0 else { throw ModelError("gpt2: \(c.dim) dimensions do not split into \(c.heads) heads") }
        layers = try (0..<c.layers).map { try LayerNormBlock(w, layer: $0, dim: c.dim, ffnDim: c.ffnDim) }
        guard adapters.isEmpty else { throw ModelError("gpt2: LoRA adapters are not supported for GPT-2 yet") }
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.dim)
        positions = try w.matrix("position_embd.weight", rows: c.contextLength, cols: c.dim)
        output = try w.output(tiedTo: embedding)
        outputNorm = try w.layerNorm("output_norm", count: c.dim)
        config = c
        self.pool = pool
        self.file = file
    }

    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        guard adapters.isEmpty else { throw ModelError("gpt2: LoRA adapters are not supported for GPT-2 yet") }
        return self
    }

    public func makeState(contextSize: Int, maxBatch: Int, numerics: Numerics) -> ModelState {
        .decoder(config, contextSize: contextSize, maxBatch: maxBatch, numerics: numerics)
    }

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count, x = state[.x], C = c.dim
        withUnsafeTemporaryAllocation(of: Float.self, capacity: C) { position in
            for (t, token) in tokens.enumerated() {
                embedding.dequantize(row: token, into: x + t * C)
                let p = placement.slot(t).position
                precondition(p < c.contextLength, "gpt2: position \(p) is beyond the model's \(c.contextLength) learned positions")
                positions.dequantize(row: p, into: position.baseAddress!)
                add(position.baseAddress!, into: x + t * C, C)
            }
        }
        for (l, block) in layers.enumerated() {
            block(layer: l, x, tokens: T, dim: C, ffnDim: c.ffnDim, heads: c.heads, eps: c.eps, placement: placement, state: state, pool: pool)
        }
        for t in 0..<T { outputNorm(x + t * C, eps: c.eps, out: hidden + t * C, dim: C) }
    }

    public func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>) {
        matmul(output, hidden, out, tokens: rows, pool: pool, scratch: state.activations)
    }
}
