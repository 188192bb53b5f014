import Foundation
import TernKernels
import TernModels

/// Which linear layers of a block get a LoRA adapter.
public enum LoRATarget: String, CaseIterable, Sendable, Codable {
    case q, k, v, o, gate, up, down
}

/// How a model is trained: LoRA adapters on a frozen base that stays in its GGUF types, or every
/// weight as float master weights (full fine-tuning).
public enum TrainingMode: Sendable, Equatable {
    case lora(rank: Int, alpha: Float, dropout: Float = 0, targets: Set<LoRATarget> = Set(LoRATarget.allCases), seed: UInt64 = 0)
    case full
}

/// Gemma 3 as training sees it, over the weights of TernModels' `Gemma3` (whose file defines the
/// architecture): every linear layer wrapped for training (`FrozenLinear`, `LoRALinear` or
/// `DenseLinear`), a forward pass over packed sequences in float that keeps what the backward pass
/// needs, and the backward pass beside it, step by step in reverse:
///
///     x₀ = √C·E[token];  h = x + N₂(Wo·attn(rope(Nq(Wq·N₁(x))), rope(Nk(Wk·N₁(x))), Wv·N₁(x)))
///     x' = h + N₄(Wd·(gelu(Wg·N₃(h)) · Wu·N₃(h)));  logits = N_out(x_L)·Eᵀ
///
/// Shape letters as in Gemma3.swift: T tokens, C dim, H/Hkv heads, D head dim, F FFN width.
///
///     let trainer = Gemma3Training(model: gemma, mode: .lora(rank: 16, alpha: 32))
///     let nll = trainer.accumulateGradients(tokens: ids, starts: starts, targets: targets, gradScale: 1 / n)
public final class Gemma3Training {
    /// A norm's weight: frozen (LoRA) or trained (full fine-tuning).
    struct Norm {
        let weight: Parameter  // (n)
        let trainable: Bool
        var parameters: [Parameter] { trainable ? [weight] : [] }
    }

    struct Layer {
        let attnNorm, qNorm, kNorm, postAttnNorm, ffnNorm, postFFNNorm: Norm
        let wq, wk, wv, wo, gate, up, down: Linear
        var linears: [Linear] { [wq, wk, wv, wo, gate, up, down] }
        var norms: [Norm] { [attnNorm, qNorm, kNorm, postAttnNorm, ffnNorm, postFFNNorm] }
    }

    /// What one layer's forward pass keeps for its backward pass. All (T, ·).
    struct Saved {
        var x, xn1, qRaw, kRaw, q, k, v, attn, lse, o, h, xn2, gate, up, act, down: FloatBuffer
    }

    public let config: Gemma3.Configuration
    public let mode: TrainingMode
    /// The inference model whose mapped weights the frozen layers read (kept alive here).
    public let base: Gemma3
    let layers: [Layer]
    /// The token embedding: frozen in its GGUF type, or a float parameter (tied with `head`).
    let frozenEmbedding: QuantMatrix?
    let embedding: Parameter?  // (V, C)
    let head: Linear           // the tied output projection
    let outputNorm: Norm
    public let pool: ThreadPool
    public var crossEntropy = FusedCrossEntropy(chunk: 128)

    /// Everything the optimizer updates, in a fixed order (checkpoints rely on it).
    public let parameters: [Parameter]

    /// `integerForward`: a frozen base runs its forward products through the inference integer
    /// kernels (`FrozenLinear`); off, in float on the dequantized weights (exact gradients).
    /// `integerBackward`: its input gradients too, against a Q8_0 copy of each Wᵀ.
    public init(model: Gemma3, mode: TrainingMode, integerForward: Bool = false, integerBackward: Bool = false) {
        let c = model.config
        config = c
        base = model
        self.mode = mode
        pool = model.pool
        let full = mode == .full
        func norm(_ name: String, _ w: UnsafePointer<Float>, _ n: Int) -> Norm {
            let p = Parameter(name, count: n)
            p.value.update(from: w, count: n)
            return Norm(weight: p, trainable: full)
        }
        func linear(_ name: String, _ m: QuantMatrix, _ target: LoRATarget, layer: Int) -> Linear {
            switch mode {
            case .full:
                let p = Parameter(name, shape: [m.cols, m.rows])
                for r in 0..<m.rows { m.dequantize(row: r, into: p.value + r * m.cols) }
                return DenseLinear(p, rows: m.rows, cols: m.cols)
            case let .lora(rank, alpha, dropout, targets, seed):
                let base = FrozenLinear(m, integerForward: integerForward, integerBackward: integerBackward, pool: model.pool)
                guard targets.contains(target) else { return base }
                let index = UInt64(layer * LoRATarget.allCases.count + LoRATarget.allCases.firstIndex(of: target)!)
                // Named as llama.cpp's adapters name them: "blk.0.attn_q.weight.lora_a".
                return LoRALinear(base: base, rank: rank, alpha: alpha, dropout: dropout, name: name,
                                  seed: seed &+ index &* 0x9E37_79B9)
            }
        }
        layers = model.layers.enumerated().map { i, l in
            let p = "blk.\(i)."
            return Layer(
                attnNorm: norm(p + "attn_norm.weight", l.attnNorm, c.dim),
                qNorm: norm(p + "attn_q_norm.weight", l.qNorm, c.headDim),
                kNorm: norm(p + "attn_k_norm.weight", l.kNorm, c.headDim),
                postAttnNorm: norm(p + "post_attention_norm.weight", l.postAttnNorm, c.dim),
                ffnNorm: norm(p + "ffn_norm.weight", l.ffnNorm, c.dim),
                postFFNNorm: norm(p + "post_ffw_norm.weight", l.postFFNNorm, c.dim),
                wq: linear(p + "attn_q.weight", l.wq, .q, layer: i), wk: linear(p + "attn_k.weight", l.wk, .k, layer: i),
                wv: linear(p + "attn_v.weight", l.wv, .v, layer: i), wo: linear(p + "attn_output.weight", l.wo, .o, layer: i),
                gate: linear(p + "ffn_gate.weight", l.gate, .gate, layer: i), up: linear(p + "ffn_up.weight", l.up, .up, layer: i),
                down: linear(p + "ffn_down.weight", l.down, .down, layer: i))
        }
        outputNorm = norm("output_norm.weight", model.outputNorm, c.dim)
        if full {
            let e = model.embedding, p = Parameter("token_embd.weight", shape: [e.cols, e.rows])
            for r in 0..<e.rows { e.dequantize(row: r, into: p.value + r * e.cols) }
            embedding = p
            frozenEmbedding = nil
            head = DenseLinear(p, rows: e.rows, cols: e.cols)  // tied: the lookup and the projection add to one gradient
        } else {
            embedding = nil
            frozenEmbedding = model.embedding
            head = FrozenLinear(model.embedding, integerForward: integerForward, integerBackward: integerBackward, pool: model.pool)
        }
        var all = [Parameter]()
        for l in layers {
            for linear in l.linears { all += linear.parameters }
            for n in l.norms { all += n.parameters }
        }
        all += outputNorm.parameters
        if let embedding { all.append(embedding) }
        parameters = all
    }

    /// The LoRA layers, in block order.
    public var adapters: [LoRALinear] { layers.flatMap { $0.linears.compactMap { $0 as? LoRALinear } } }

    /// Starts the LoRA layers from a trained adapter (continuing its training, or a cold start
    /// before RL), which must have this run's rank and alpha. Adapted weights the file lacks keep
    /// their fresh start (B = 0); a weight the file adapts that this run does not is an error.
    public func initialize(from adapter: LoRAAdapter) throws {
        guard case let .lora(rank, alpha, _, _, _) = mode else { throw TrainingError("only a LoRA run starts from an adapter") }
        let byName = Dictionary(uniqueKeysWithValues: adapters.map { (String($0.a.name.dropLast(".lora_a".count)), $0) })
        for (weight, d) in adapter.deltas.sorted(by: { $0.key < $1.key }) {
            guard let layer = byName[weight] else {
                throw TrainingError("\(adapter.path) adapts \(weight), which this run does not train: widen --lora-targets")
            }
            guard d.rank == rank, adapter.alpha == alpha else {
                throw TrainingError("\(adapter.path) has rank \(d.rank) and alpha \(adapter.alpha): train with --lora-rank \(d.rank) --lora-alpha \(adapter.alpha)")
            }
            layer.a.set(d.a)
            layer.b.set(d.b)
        }
    }

    /// Draws dropout masks for `step` afresh, so a resumed run repeats an uninterrupted one.
    public func reseedDropout(step: Int) {
        guard case let .lora(_, _, _, _, seed) = mode else { return }
        for (i, a) in adapters.enumerated() { a.seed = seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i)) }
    }

    // MARK: Forward

    /// Summed negative log-likelihood of `targets` (negative: no loss at that token) for a batch of
    /// packed sequences: `starts[t]` is the first token of t's sequence (positions restart there,
    /// and attention never crosses it). With `backward`, also adds gradScale·∂nll/∂θ to every
    /// parameter's gradient.
    public func run(tokens: [Int], starts: [Int], targets: [Int], gradScale: Float = 1, backward: Bool) -> Double {
        tokenLosses(tokens: tokens, starts: starts, targets: targets, backward: backward) { _, _ in gradScale }.reduce(0, +)
    }

    /// Each token's negative log-likelihood (0 where targets[t] < 0). With `backward`, adds the
    /// gradient of Σ_t w_t·nll_t to every parameter's, with w_t = weight(t, nll_t) held constant
    /// (GRPO's per-token coefficients; a constant for SFT).
    public func tokenLosses(tokens: [Int], starts: [Int], targets: [Int], backward: Bool,
                            weight: (Int, Double) -> Float) -> [Double] {
        precondition(tokens.count == starts.count && tokens.count == targets.count)
        let c = config, T = tokens.count
        for a in adapters { a.training = backward }  // dropout only when learning
        let x = FloatBuffer(T * c.dim)  // (T, C) residual stream
        let embScale = base.embeddingScale
        for (t, token) in tokens.enumerated() {
            if let embedding { (x.p + t * c.dim).update(from: embedding.value + token * c.dim, count: c.dim) }
            else { frozenEmbedding!.dequantize(row: token, into: x.p + t * c.dim) }
            scale(x.p + t * c.dim, embScale, c.dim)
        }
        var saved = [Saved]()
        for l in 0..<c.layers { saved.append(block(l, x: x, starts: starts)) }
        let hidden = FloatBuffer(T * c.dim)
        normRows(x, outputNorm, out: hidden, dim: c.dim)
        guard backward else {
            return crossEntropy.tokenLosses(hidden: hidden.p, targets: targets, output: head, dHidden: nil, pool: pool, weight: weight)
        }

        let dHidden = FloatBuffer(T * c.dim)
        let nll = crossEntropy.tokenLosses(hidden: hidden.p, targets: targets, output: head, dHidden: dHidden.p, pool: pool, weight: weight)
        let dx = FloatBuffer(T * c.dim)
        normRowsBackward(x, outputNorm, dy: dHidden, dx: dx, dim: c.dim)
        for l in stride(from: c.layers - 1, through: 0, by: -1) { blockBackward(l, saved[l], dx: dx, starts: starts) }
        if let embedding {
            for (t, token) in tokens.enumerated() { axpy(embScale, dx.p + t * c.dim, embedding.grad + token * c.dim, c.dim) }
        }
        return nll
    }

    /// h = x + N₂(attn(N₁(x))); x' = h + N₄(mlp(N₃(h))), in place in `x`.
    private func block(_ l: Int, x: FloatBuffer, starts: [Int]) -> Saved {
        let c = config, layer = layers[l], T = starts.count
        let D = c.headDim, qDim = c.heads * D, kvDim = c.kvHeads * D
        let xIn = x.copy()
        let xn1 = FloatBuffer(T * c.dim)
        normRows(x, layer.attnNorm, out: xn1, dim: c.dim)
        let qRaw = FloatBuffer(T * qDim), kRaw = FloatBuffer(T * kvDim), v = FloatBuffer(T * kvDim)
        layer.wq.forward(xn1.p, tokens: T, out: qRaw.p, pool: pool)
        layer.wk.forward(xn1.p, tokens: T, out: kRaw.p, pool: pool)
        layer.wv.forward(xn1.p, tokens: T, out: v.p, pool: pool)
        let q = FloatBuffer(T * qDim), k = FloatBuffer(T * kvDim)
        for t in 0..<T {
            base.positionQueryAndKey(l, q: qRaw.p + t * qDim, k: kRaw.p + t * kvDim, qOut: q.p + t * qDim, kOut: k.p + t * kvDim,
                                     qNorm: layer.qNorm.weight.value, kNorm: layer.kNorm.weight.value, position: t - starts[t])
        }
        let attn = FloatBuffer(T * qDim), lse = FloatBuffer(T * c.heads)
        attention(l).forward(q: q.p, k: k.p, v: v.p, starts: starts, out: attn.p, lse: lse.p, pool: pool)
        let o = FloatBuffer(T * c.dim)
        layer.wo.forward(attn.p, tokens: T, out: o.p, pool: pool)
        let po = FloatBuffer(T * c.dim)
        normRows(o, layer.postAttnNorm, out: po, dim: c.dim)
        add(po.p, into: x.p, T * c.dim)
        let h = x.copy()

        let xn2 = FloatBuffer(T * c.dim)
        normRows(x, layer.ffnNorm, out: xn2, dim: c.dim)
        let gate = FloatBuffer(T * c.ffnDim), up = FloatBuffer(T * c.ffnDim)
        layer.gate.forward(xn2.p, tokens: T, out: gate.p, pool: pool)
        layer.up.forward(xn2.p, tokens: T, out: up.p, pool: pool)
        let act = gate.copy()
        geglu(act.p, up.p, T * c.ffnDim, table: false)
        let down = FloatBuffer(T * c.dim)
        layer.down.forward(act.p, tokens: T, out: down.p, pool: pool)
        let pd = FloatBuffer(T * c.dim)
        normRows(down, layer.postFFNNorm, out: pd, dim: c.dim)
        add(pd.p, into: x.p, T * c.dim)
        return Saved(x: xIn, xn1: xn1, qRaw: qRaw, kRaw: kRaw, q: q, k: k, v: v, attn: attn, lse: lse, o: o, h: h,
                     xn2: xn2, gate: gate, up: up, act: act, down: down)
    }

    /// Gemma 3's attention: queries pre-scaled by 1/√D, a window on sliding layers.
    private func attention(_ l: Int) -> TrainingAttention {
        let c = config
        return TrainingAttention(heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim,
                                 window: c.isSliding(l) ? c.slidingWindow : nil, scale: 1)
    }

    // MARK: Backward

    /// The block's backward pass: `dx` holds ∂/∂x' on entry and ∂/∂x on return.
    private func blockBackward(_ l: Int, _ s: Saved, dx: FloatBuffer, starts: [Int]) {
        let c = config, layer = layers[l], T = starts.count
        let D = c.headDim, qDim = c.heads * D, kvDim = c.kvHeads * D
        // x' = h + N₄(down): dh = dx' (dx already holds it), d(down) through N₄.
        let dDown = FloatBuffer(T * c.dim)
        normRowsBackward(s.down, layer.postFFNNorm, dy: dx, dx: dDown, dim: c.dim)
        let dAct = FloatBuffer(T * c.ffnDim)
        layer.down.backward(dDown.p, input: s.act.p, tokens: T, dx: dAct.p, pool: pool)
        let dGate = FloatBuffer(T * c.ffnDim), dUp = FloatBuffer(T * c.ffnDim)
        gegluBackward(gate: s.gate.p, up: s.up.p, dh: dAct.p, dGate: dGate.p, dUp: dUp.p, T * c.ffnDim)
        let dXn2 = FloatBuffer(T * c.dim)
        layer.gate.backward(dGate.p, input: s.xn2.p, tokens: T, dx: dXn2.p, pool: pool)
        layer.up.backward(dUp.p, input: s.xn2.p, tokens: T, dx: dXn2.p, pool: pool)
        normRowsBackward(s.h, layer.ffnNorm, dy: dXn2, dx: dXn2, dim: c.dim)
        add(dXn2.p, into: dx.p, T * c.dim)  // dh

        // h = x + N₂(o): dx = dh, d(o) through N₂.
        let dO = FloatBuffer(T * c.dim)
        normRowsBackward(s.o, layer.postAttnNorm, dy: dx, dx: dO, dim: c.dim)
        let dAttn = FloatBuffer(T * qDim)
        layer.wo.backward(dO.p, input: s.attn.p, tokens: T, dx: dAttn.p, pool: pool)
        let dq = FloatBuffer(T * qDim), dk = FloatBuffer(T * kvDim), dv = FloatBuffer(T * kvDim)
        attention(l).backward(q: s.q.p, k: s.k.p, v: s.v.p, starts: starts, out: s.attn.p, lse: s.lse.p, dout: dAttn.p,
                              dq: dq.p, dk: dk.p, dv: dv.p, pool: pool)
        let qNormGrad = layer.qNorm.trainable ? layer.qNorm.weight.grad : nil
        let kNormGrad = layer.kNorm.trainable ? layer.kNorm.weight.grad : nil
        for t in 0..<T {
            base.positionQueryAndKeyBackward(l, q: s.qRaw.p + t * qDim, k: s.kRaw.p + t * kvDim, dq: dq.p + t * qDim, dk: dk.p + t * kvDim,
                                             qNorm: layer.qNorm.weight.value, kNorm: layer.kNorm.weight.value,
                                             dQNorm: qNormGrad, dKNorm: kNormGrad, position: t - starts[t])
        }
        let dXn1 = FloatBuffer(T * c.dim)
        layer.wq.backward(dq.p, input: s.xn1.p, tokens: T, dx: dXn1.p, pool: pool)
        layer.wk.backward(dk.p, input: s.xn1.p, tokens: T, dx: dXn1.p, pool: pool)
        layer.wv.backward(dv.p, input: s.xn1.p, tokens: T, dx: dXn1.p, pool: pool)
        normRowsBackward(s.x, layer.attnNorm, dy: dXn1, dx: dXn1, dim: c.dim)
        add(dXn1.p, into: dx.p, T * c.dim)
    }

    // MARK: Helpers

    private func normRows(_ x: FloatBuffer, _ n: Norm, out: FloatBuffer, dim: Int) {
        for t in 0..<x.count / dim { rmsNorm(x.p + t * dim, weight: n.weight.value, eps: config.eps, out: out.p + t * dim, dim: dim) }
    }

    private func normRowsBackward(_ x: FloatBuffer, _ n: Norm, dy: FloatBuffer, dx: FloatBuffer, dim: Int) {
        let dw = n.trainable ? n.weight.grad : nil
        for t in 0..<x.count / dim {
            rmsNormBackward(x.p + t * dim, weight: n.weight.value, eps: config.eps, dy: dy.p + t * dim, dx: dx.p + t * dim,
                            dWeight: dw, dim: dim)
        }
    }
}

/// A float buffer that frees itself: the activations one training step keeps.
final class FloatBuffer {
    let count: Int
    let p: UnsafeMutablePointer<Float>

    init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: count)
        p.initialize(repeating: 0, count: count)
    }

    deinit { p.deallocate() }

    func copy() -> FloatBuffer {
        let b = FloatBuffer(count)
        b.p.update(from: p, count: count)
        return b
    }
}
