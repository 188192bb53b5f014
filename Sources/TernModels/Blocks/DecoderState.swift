import TernKernels

/// The scratch buffers of a decoder forward pass, each sized for the batch.
enum DecoderBuffer: Int, CaseIterable { case x, xn, q, k, v, attn, proj, gate, up }

/// The dimensions a decoder's state is sized by; every family's configuration has them.
protocol DecoderShape {
    var layers: Int { get }
    var dim: Int { get }
    var heads: Int { get }
    var kvHeads: Int { get }
    var headDim: Int { get }
    var ffnDim: Int { get }
    /// Rows a token becomes in the feed-forward products: k for a mixture of experts (each token
    /// goes to k experts, gathered into one batch), 1 otherwise.
    var routedPerToken: Int { get }
}

extension DecoderShape {
    var routedPerToken: Int { 1 }
}

extension ModelState {
    /// State for a decoder of `shape`: a KV cache of `layers` × `contextSize` positions and the
    /// `DecoderBuffer`s for `maxBatch` tokens.
    static func decoder(_ shape: some DecoderShape, contextSize: Int, maxBatch t: Int, numerics: Numerics) -> ModelState {
        let (heads, kvHeads, headDim, dim, ffnDim) = (shape.heads, shape.kvHeads, shape.headDim, shape.dim, shape.ffnDim)
        let sizes: [DecoderBuffer: Int] = [
            .x: t * dim, .xn: t * dim, .q: t * heads * headDim, .k: t * kvHeads * headDim, .v: t * kvHeads * headDim,
            .attn: t * heads * headDim, .proj: t * dim, .gate: t * ffnDim, .up: t * ffnDim,
        ]
        return ModelState(
            cache: KVCache(layers: shape.layers, capacity: contextSize, kvDim: kvHeads * headDim, halfPrecision: numerics.halfPrecisionKV),
            maxBatch: t, numerics: numerics, scratch: Scratch(sizes: DecoderBuffer.allCases.map { sizes[$0]! }),
            activations: ActivationBuffer(tokens: t * max(1, shape.routedPerToken), cols: max(ffnDim, heads * headDim, dim)))
    }

    subscript(_ buffer: DecoderBuffer) -> UnsafeMutablePointer<Float> { scratch[buffer.rawValue] }

    var attentionBuffers: SelfAttention.Buffers { .init(q: self[.q], k: self[.k], v: self[.v], attn: self[.attn]) }
}
