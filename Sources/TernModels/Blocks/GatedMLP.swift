import TernKernels

/// The gated feed-forward sub-layer: down(act(gate(x)) · up(x)), GeGLU (Gemma, tanh GELU) or
/// SwiGLU (Llama, Qwen, Mistral: SiLU); BitNet RMS-normalises the product before `down`.
/// Shape letters: T tokens, C dim, F feed-forward width.
struct GatedMLP {
    enum Activation { case geluTanh, silu }

    let gate: QuantMatrix  // (F, C)
    let up: QuantMatrix    // (F, C)
    let down: QuantMatrix  // (C, F)
    let activation: Activation
    var subNorm: (weight: UnsafePointer<Float>, eps: Float)? = nil  // (F), BitNet

    /// gateBuffer and upBuffer: (T, F) each.
    func callAsFunction(_ xn: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, tokens T: Int, dim: Int, ffnDim: Int,
                        lora: LayerAdapters, state: ModelState, gateBuffer g: UnsafeMutablePointer<Float>,
                        upBuffer u: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let input = state.activations.input(xn, tokens: T, cols: dim)  // quantized once for both
        matmul(gate, input, g, pool: pool)  // (T, F)
        matmul(up, input, u, pool: pool)    // (T, F)
        for d in lora.gate { d.apply(xn, tokens: T, out: g) }
        for d in lora.up { d.apply(xn, tokens: T, out: u) }
        switch activation {
        case .geluTanh: geglu(g, u, T * ffnDim, table: state.numerics.geluTable)
        case .silu: swiglu(g, u, T * ffnDim)
        }
        if let subNorm {
            for t in 0..<T { rmsNorm(g + t * ffnDim, weight: subNorm.weight, eps: subNorm.eps, out: g + t * ffnDim, dim: ffnDim) }
        }
        matmul(down, g, out, tokens: T, pool: pool, scratch: state.activations)  // (T, C)
        for d in lora.down { d.apply(g, tokens: T, out: out) }
    }
}
