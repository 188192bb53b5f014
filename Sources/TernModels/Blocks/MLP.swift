import TernKernels

/// The ungated feed-forward sub-layer of GPT-2, Falcon and Bloom: down(gelu(up(x) + b_up)) + b_down,
/// biases optional. Shape letters: T tokens, C dim, F feed-forward width.
struct MLP {
    let up: QuantMatrix    // (F, C)
    let down: QuantMatrix  // (C, F)
    var upBias: UnsafePointer<Float>? = nil    // (F)
    var downBias: UnsafePointer<Float>? = nil  // (C)

    /// hiddenBuffer: (T, F).
    func callAsFunction(_ xn: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, tokens T: Int, dim: Int, ffnDim: Int,
                        lora: LayerAdapters, state: ModelState, hiddenBuffer h: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        matmul(up, xn, h, tokens: T, pool: pool, scratch: state.activations)  // (T, F)
        if let upBias { for t in 0..<T { add(upBias, into: h + t * ffnDim, ffnDim) } }
        for d in lora.up { d.apply(xn, tokens: T, out: h) }
        gelu(h, T * ffnDim, table: state.numerics.geluTable)
        matmul(down, h, out, tokens: T, pool: pool, scratch: state.activations)  // (T, C)
        if let downBias { for t in 0..<T { add(downBias, into: out + t * dim, dim) } }
        for d in lora.down { d.apply(h, tokens: T, out: out) }
    }
}
