import Foundation
import TernKernels

/// Multi-head latent attention (DeepSeek-V2), in the absorbed form llama.cpp runs: keys and values
/// go through one low-rank latent c (r wide) that is all the cache keeps, with a small shared
/// rotary key beside it, so a position costs r + dr cache elements instead of 2·H·D.
///
///     q_h = [q_nope_h (dn), q_rope_h (dr)]           from x, through a rank-rq bottleneck
///     c, k_rope = split(W_kv_a · x)                   c RMS-normalised; k_rope one shared head
///     score_h(j) = (W_k_b,h · q_nope_h) · c_j + rope(q_rope_h) · rope(k_rope_j)
///     out_h = W_v_b,h · Σ_j softmax(score_h / √(dn + dr))_j c_j
///
/// Absorbing W_k_b into the query turns this into multi-query attention over cached rows
/// [c_j, rope(k_rope_j)] (one KV head of r + dr), whose values are the first r entries of the same
/// rows (`KVCache.valuesAreKeys`). Shape letters: T tokens, C dim, H heads, rq query rank, r latent
/// rank, dn / dr the per-head dims without / with RoPE, dv the value dim.
struct LatentAttention {
    let wq: QuantMatrix?                  // (H*(dn+dr), C), when there is no query bottleneck
    let wqA: QuantMatrix?                 // (rq, C)
    let qANorm: UnsafePointer<Float>?     // (rq)
    let wqB: QuantMatrix?                 // (H*(dn+dr), rq)
    let wkvA: QuantMatrix                 // (r+dr, C)
    let kvANorm: UnsafePointer<Float>     // (r)
    let wkB: [QuantMatrix]                // H × (r, dn): a head's query into the latent space
    let wvB: [QuantMatrix]                // H × (dv, r): a head's output out of it
    let wo: QuantMatrix                   // (C, H*dv)

    struct Shape {
        let heads, queryRank, latent, nope, rope, value: Int
        let eps: Float
        var cacheRow: Int { latent + rope }
    }

    /// The buffers a pass uses, each sized for the batch: qa (T, rq), q (T, H*(dn+dr)), kv (T, r+dr),
    /// query (T, H*(r+dr)), attn (T, H*(r+dr)), gather (H·T, max(dn, r)), headOut (H·T, max(r, dv)),
    /// heads (T, H*dv). `state.activations` must hold H·T rows.
    struct Buffers {
        let qa, q, kv, query, attn, gather, headOut, heads: UnsafeMutablePointer<Float>
    }

    func callAsFunction(layer l: Int, _ xn: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, tokens T: Int, dim: Int,
                        shape s: Shape, rope: RoPE, placement: Placement, state: ModelState, buffers b: Buffers, pool: ThreadPool) {
        let H = s.heads, qk = s.nope + s.rope, row = s.cacheRow
        let input = state.activations.input(xn, tokens: T, cols: dim)
        if let wq {
            matmul(wq, input, b.q, pool: pool)  // (T, H*(dn+dr))
        } else if let wqA, let wqB, let qANorm {
            matmul(wqA, input, b.qa, pool: pool)  // (T, rq)
            for t in 0..<T { rmsNorm(b.qa + t * s.queryRank, weight: qANorm, eps: s.eps, out: b.qa + t * s.queryRank, dim: s.queryRank) }
            matmul(wqB, b.qa, b.q, tokens: T, pool: pool, scratch: state.activations)
        }
        matmul(wkvA, input, b.kv, pool: pool)  // (T, r+dr)
        for t in 0..<T { rmsNorm(b.kv + t * row, weight: kvANorm, eps: s.eps, out: b.kv + t * row, dim: s.latent) }

        // Absorb W_k_b into each head's query: query[t][h] = [W_k_b,h · q_nope (r), q_rope (dr)].
        // The heads' queries are gathered head by head, so all H small products go out at once.
        for h in 0..<H { for t in 0..<T { (b.gather + (h * T + t) * s.nope).update(from: b.q + t * H * qk + h * qk, count: s.nope) } }
        matmul((0..<H).map { h in (wkB[h], h * T..<(h + 1) * T, b.headOut + h * T * s.latent) },
               state.activations.input(b.gather, tokens: H * T, cols: s.nope), pool: pool)  // (H·T, r)
        for h in 0..<H {
            for t in 0..<T {
                let dst = b.query + t * H * row + h * row
                dst.update(from: b.headOut + (h * T + t) * s.latent, count: s.latent)
                (dst + s.latent).update(from: b.q + t * H * qk + h * qk + s.nope, count: s.rope)
            }
        }
        let scaleQ = 1 / Float(qk).squareRoot()  // the real head dim's scale, not the cache row's
        SelfAttention.storeAndAttend(layer: l, q: b.query, k: b.kv, v: b.kv, out: b.attn, tokens: T, heads: H, kvHeads: 1,
                                     headDim: row, window: nil, alibi: nil, placement: placement, pool: pool) { q, k, position in
            for h in 0..<H { rope.apply(q + h * row + s.latent, heads: 1, position: position) }
            rope.apply(k + s.latent, heads: 1, position: position)
            scale(q, scaleQ, H * row)
        }

        // Each head's output out of the latent space: heads[t][h] = W_v_b,h · attn[t][h][0..<r].
        for h in 0..<H { for t in 0..<T { (b.gather + (h * T + t) * s.latent).update(from: b.attn + t * H * row + h * row, count: s.latent) } }
        matmul((0..<H).map { h in (wvB[h], h * T..<(h + 1) * T, b.headOut + h * T * s.value) },
               state.activations.input(b.gather, tokens: H * T, cols: s.latent), pool: pool)  // (H·T, dv)
        for h in 0..<H {
            for t in 0..<T { (b.heads + t * H * s.value + h * s.value).update(from: b.headOut + (h * T + t) * s.value, count: s.value) }
        }
        matmul(wo, b.heads, out, tokens: T, pool: pool, scratch: state.activations)  // (T, C)
    }
}
