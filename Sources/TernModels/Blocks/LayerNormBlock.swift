import TernKernels

/// GPT-2's block, which BLOOM shares: pre-LayerNorm, one fused QKV projection with biases, full
/// multi-head attention, a GELU MLP with biases.
///
///     h = x + attn(ln_1(x));  x' = h + mlp(ln_2(h))
///
/// Positions are the model's business: GPT-2 adds them to the embeddings, BLOOM passes ALiBi slopes.
struct LayerNormBlock {
    let attnNorm: LayerNormWeights
    let attention: SelfAttention
    let ffnNorm: LayerNormWeights
    let mlp: MLP

    /// Block `i`'s weights (`blk.i.attn_qkv`, `attn_output`, `ffn_up`, `ffn_down`, their biases, the norms).
    init(_ w: WeightLoader, layer i: Int, dim C: Int, ffnDim F: Int) throws {
        let p = "blk.\(i)."
        let qkv = try w.matrices(p + "attn_qkv.weight", parts: [C, C, C], cols: C)
        let bias = try w.vectors(p + "attn_qkv.bias", parts: [C, C, C])
        attnNorm = try w.layerNorm(p + "attn_norm", count: C)
        attention = SelfAttention(wq: qkv[0], wk: qkv[1], wv: qkv[2], wo: try w.matrix(p + "attn_output.weight", rows: C, cols: C),
                                  bq: bias[0], bk: bias[1], bv: bias[2], bo: try w.vector(p + "attn_output.bias", count: C))
        ffnNorm = try w.layerNorm(p + "ffn_norm", count: C)
        mlp = MLP(up: try w.matrix(p + "ffn_up.weight", rows: F, cols: C), down: try w.matrix(p + "ffn_down.weight", rows: C, cols: F),
                  upBias: try w.vector(p + "ffn_up.bias", count: F), downBias: try w.vector(p + "ffn_down.bias", count: C))
    }

    /// Runs block `l` on the residual stream x (T, C) in place.
    func callAsFunction(layer l: Int, _ x: UnsafeMutablePointer<Float>, tokens T: Int, dim C: Int, ffnDim F: Int, heads: Int,
                        eps: Float, alibi: UnsafePointer<Float>? = nil, placement: Placement, state: ModelState, pool: ThreadPool) {
        let xn = state[.xn], proj = state[.proj], headDim = C / heads, none = LayerAdapters()
        for t in 0..<T { attnNorm(x + t * C, eps: eps, out: xn + t * C, dim: C) }
        attention(layer: l, xn, out: proj, tokens: T, heads: heads, kvHeads: heads, headDim: headDim, dim: C, window: nil,
                  alibi: alibi, lora: none, placement: placement, state: state, buffers: state.attentionBuffers, pool: pool) { q, _, _ in
            scale(q, 1 / Float(headDim).squareRoot(), C)
        }
        add(proj, into: x, T * C)
        for t in 0..<T { ffnNorm(x + t * C, eps: eps, out: xn + t * C, dim: C) }
        mlp(xn, out: proj, tokens: T, dim: C, ffnDim: F, lora: none, state: state, hiddenBuffer: state[.gate], pool: pool)
        add(proj, into: x, T * C)
    }
}
