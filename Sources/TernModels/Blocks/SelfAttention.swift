import TernKernels

/// The attention sub-layer shared by the decoder families: project to queries, keys and values
/// (biases and LoRA if any), make each token's query and key ready (the family's norms, RoPE,
/// scaling), store keys and values in the cache, attend, project back.
///
/// Grouped-query attention in general: `heads` query heads share `kvHeads` key/value heads (MHA
/// when equal, MQA when one). Shape letters: T tokens, C dim, H heads, Hkv KV heads, D head dim.
struct SelfAttention {
    let wq: QuantMatrix   // (H*D, C)
    let wk: QuantMatrix   // (Hkv*D, C)
    let wv: QuantMatrix   // (Hkv*D, C)
    let wo: QuantMatrix   // (C, H*D)
    var bq: UnsafePointer<Float>? = nil  // (H*D)
    var bk: UnsafePointer<Float>? = nil  // (Hkv*D)
    var bv: UnsafePointer<Float>? = nil  // (Hkv*D)
    var bo: UnsafePointer<Float>? = nil  // (C)
    /// BitNet: an RMSNorm of the attention output (H*D) before the output projection.
    var subNorm: (weight: UnsafePointer<Float>, eps: Float)? = nil

    /// The buffers a pass uses, each sized for the batch: q (T, H*D), k and v (T, Hkv*D), attn (T, H*D).
    struct Buffers {
        let q, k, v, attn: UnsafeMutablePointer<Float>
    }

    /// - Parameters:
    ///   - window: a query at position p sees keys at p - window < j ≤ p (nil: all of them).
    ///   - alibi: ALiBi slopes, one per query head (H), for models without rotary positions (Bloom).
    ///   - prepare: makes token t's query (H*D) and key (Hkv*D) ready at `position`, in place.
    func callAsFunction(layer l: Int, _ xn: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, tokens T: Int,
                        heads: Int, kvHeads: Int, headDim D: Int, dim: Int, window: Int?, alibi: UnsafePointer<Float>? = nil, lora: LayerAdapters,
                        placement: Placement, state: ModelState, buffers b: Buffers, pool: ThreadPool,
                        prepare: (_ q: UnsafeMutablePointer<Float>, _ k: UnsafeMutablePointer<Float>, _ position: Int) -> Void) {
        let qDim = heads * D, kvDim = kvHeads * D
        let input = state.activations.input(xn, tokens: T, cols: dim)  // quantized once for all three
        matmul(wq, input, b.q, pool: pool)  // (T, H*D)
        matmul(wk, input, b.k, pool: pool)  // (T, Hkv*D)
        matmul(wv, input, b.v, pool: pool)  // (T, Hkv*D)
        Self.addBias(bq, to: b.q, width: qDim, tokens: T)
        Self.addBias(bk, to: b.k, width: kvDim, tokens: T)
        Self.addBias(bv, to: b.v, width: kvDim, tokens: T)
        for d in lora.q { d.apply(xn, tokens: T, out: b.q) }
        for d in lora.k { d.apply(xn, tokens: T, out: b.k) }
        for d in lora.v { d.apply(xn, tokens: T, out: b.v) }

        Self.storeAndAttend(layer: l, q: b.q, k: b.k, v: b.v, out: b.attn, tokens: T, heads: heads, kvHeads: kvHeads, headDim: D,
                            window: window, alibi: alibi, placement: placement, pool: pool, prepare: prepare)
        if let subNorm {
            for t in 0..<T { rmsNorm(b.attn + t * qDim, weight: subNorm.weight, eps: subNorm.eps, out: b.attn + t * qDim, dim: qDim) }
        }
        matmul(wo, b.attn, out, tokens: T, pool: pool, scratch: state.activations)  // (T, C)
        Self.addBias(bo, to: out, width: dim, tokens: T)
        for d in lora.o { d.apply(b.attn, tokens: T, out: out) }
    }

    /// Makes each token's query and key ready (`prepare`), stores its key and value in its cache,
    /// and attends: out (T, H*D) from q (T, H*D), k and v (T, Hkv*D). Shared by every attention
    /// variant, latent attention included (one KV head whose values are its keys).
    static func storeAndAttend(layer l: Int, q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                               out: UnsafeMutablePointer<Float>, tokens T: Int, heads: Int, kvHeads: Int, headDim D: Int, window: Int?,
                               alibi: UnsafePointer<Float>?, placement: Placement, pool: ThreadPool,
                               prepare: (_ q: UnsafeMutablePointer<Float>, _ k: UnsafeMutablePointer<Float>, _ position: Int) -> Void) {
        let qDim = heads * D, kvDim = kvHeads * D
        for t in 0..<T {
            let qt = q + t * qDim, kt = k + t * kvDim
            let (cache, pos) = placement.slot(t)
            prepare(qt, kt, pos)
            cache.store(layer: l, position: pos, key: kt, value: v + t * kvDim)
        }

        let group = heads / kvHeads
        // One job per token and KV head: the query heads that share it read each cache row once.
        // Later tokens see more keys, so jobs are dealt first, last, second, second-to-last, …
        // and each thread's contiguous share gets an even mix of short and long ones.
        pool.parallelFor(T * kvHeads) { range in
            for job in range {
                let i = job / kvHeads, g = job % kvHeads
                let t = i % 2 == 0 ? i / 2 : T - 1 - i / 2, (cache, pos) = placement.slot(t)
                let first = window.map { max(0, pos - $0 + 1) } ?? 0
                cache.attend(layer: l, kvHead: g, headDim: D, heads: group, query: q + t * qDim + g * group * D,
                             positions: first...pos, alibi: alibi.map { $0 + g * group }, out: out + t * qDim + g * group * D)
            }
        }
    }

    /// out[t] += bias for each of the T rows of `width`, when there is a bias.
    @inline(__always)
    private static func addBias(_ bias: UnsafePointer<Float>?, to out: UnsafeMutablePointer<Float>, width: Int, tokens T: Int) {
        guard let bias else { return }
        for t in 0..<T { add(bias, into: out + t * width, width) }
    }
}
