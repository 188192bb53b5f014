import Foundation
import TernGGUF
import TernKernels

/// Mamba-2 (llama.cpp's `mamba2`): no attention and no positions; each block is an RMSNorm and a
/// `StateSpaceMixer`, with the residual around it.
///
///     x' = x + mixer(rmsnorm(x))
///
/// The sequence state is a fixed-size recurrent state per layer (the cache's `state(layer:)`), so
/// decoding costs the same at every context length, and a cache cannot be rewound except to the
/// start. Shape letters as in `StateSpaceMixer`.
public final class Mamba2: CausalLM, PlacedForward, @unchecked Sendable {  // immutable after init; weights point into the mmap
    public struct Configuration: Sendable, Equatable {
        public var dim: Int, layers: Int
        public var inner: Int, state: Int, heads: Int, groups: Int, conv: Int
        public var vocabularySize: Int, contextLength: Int
        public var eps: Float
        var mixerShape: StateSpaceMixer.Shape { .init(inner: inner, state: state, heads: heads, groups: groups, conv: conv, eps: eps) }
    }

    struct Layer {
        let norm: UnsafePointer<Float>  // (C)
        let mixer: StateSpaceMixer
    }

    enum Buffer: Int, CaseIterable { case x, xn, proj, projected, xBC, dt, y }

    public let config: Configuration
    let embedding: QuantMatrix  // (V, C)
    let output: QuantMatrix     // (V, C)
    let layers: [Layer]
    let outputNorm: UnsafePointer<Float>
    public let pool: ThreadPool
    private let file: GGUFFile

    public var architecture: String { "mamba2" }
    public var hiddenSize: Int { config.dim }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }

    public init(file: GGUFFile, pool: ThreadPool, adapters: [LoRAAdapter] = []) throws {
        guard file.architecture == "mamba2" else { throw ModelError("Mamba2 runs mamba2, not \(file.architecture ?? "an unnamed architecture")") }
        guard adapters.isEmpty else { throw ModelError("mamba2: LoRA adapters are not supported for this architecture yet") }
        let w = WeightLoader(file: file, prefix: "mamba2")
        let dim = try w.int("embedding_length")
        let c = Configuration(
            dim: dim, layers: try w.int("block_count"), inner: try w.int("ssm.inner_size"), state: try w.int("ssm.state_size"),
            heads: try w.int("ssm.time_step_rank"), groups: try w.int("ssm.group_count"), conv: try w.int("ssm.conv_kernel"),
            vocabularySize: try w.vocabularySize(dim: dim), contextLength: try w.int("context_length"),
            eps: try w.float("attention.layer_norm_rms_epsilon"))
        guard c.inner % c.heads == 0, c.heads % c.groups == 0, c.inner % c.groups == 0 else {
            throw ModelError("mamba2: \(c.heads) heads and \(c.groups) groups do not divide the inner width \(c.inner)")
        }
        let s = c.mixerShape
        layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            return Layer(norm: try w.vector(p + "attn_norm.weight", count: dim), mixer: StateSpaceMixer(
                inProj: try w.matrix(p + "ssm_in.weight", rows: s.projected, cols: dim),
                convWeight: try w.matrixFloats(p + "ssm_conv1d.weight", rows: s.convDim, cols: c.conv),
                convBias: try w.vector(p + "ssm_conv1d.bias", count: s.convDim),
                dtBias: try w.vector(p + "ssm_dt.bias", count: c.heads),
                a: try w.matrixFloats(p + "ssm_a", rows: c.heads, cols: 1),
                d: try w.matrixFloats(p + "ssm_d", rows: c.heads, cols: 1),
                norm: try w.matrixFloats(p + "ssm_norm.weight", rows: c.groups, cols: c.inner / c.groups),
                outProj: try w.matrix(p + "ssm_out.weight", rows: dim, cols: c.inner)))
        }
        embedding = try w.matrix("token_embd.weight", rows: c.vocabularySize, cols: dim)
        output = try w.output(tiedTo: embedding)
        outputNorm = try w.vector("output_norm.weight", count: dim)
        config = c
        self.pool = pool
        self.file = file
    }

    public func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM {
        guard adapters.isEmpty else { throw ModelError("mamba2: LoRA adapters are not supported for this architecture yet") }
        return self
    }

    public func makeState(contextSize: Int, maxBatch t: Int, numerics: Numerics) -> ModelState {
        let c = config, s = c.mixerShape
        let sizes: [Buffer: Int] = [.x: t * c.dim, .xn: t * c.dim, .proj: t * c.dim, .projected: t * s.projected,
                                    .xBC: t * s.convDim, .dt: t * c.heads, .y: t * c.inner]
        return ModelState(
            cache: KVCache(layers: c.layers, capacity: contextSize, kvDim: 0, stateFloats: s.stateFloats),
            maxBatch: t, numerics: numerics, scratch: Scratch(sizes: Buffer.allCases.map { sizes[$0]! }),
            activations: ActivationBuffer(tokens: t, cols: max(c.dim, c.inner)))
    }

    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        let c = config, T = tokens.count, C = c.dim
        let b = { (buffer: Buffer) in state.scratch[buffer.rawValue] }
        let x = b(.x), xn = b(.xn), proj = b(.proj)
        let buffers = StateSpaceMixer.Buffers(projected: b(.projected), xBC: b(.xBC), dt: b(.dt), y: b(.y))
        for (t, token) in tokens.enumerated() { embedding.dequantize(row: token, into: x + t * C) }
        for (l, layer) in layers.enumerated() {
            for t in 0..<T { rmsNorm(x + t * C, weight: layer.norm, eps: c.eps, out: xn + t * C, dim: C) }
            layer.mixer(layer: l, xn, out: proj, tokens: T, dim: C, shape: c.mixerShape, placement: placement, state: state,
                        buffers: buffers, pool: pool)
            add(proj, into: x, T * C)
        }
        for t in 0..<T { rmsNorm(x + t * C, weight: outputNorm, eps: c.eps, out: hidden + t * C, dim: C) }
    }

    public func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>) {
        matmul(output, hidden, out, tokens: rows, pool: pool, scratch: state.activations)
    }
}
