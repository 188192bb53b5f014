import Foundation
import TernKernels
import TernModels

/// LoRA (Hu et al. 2021) on a frozen base layer: y = base(x) + (alpha / r) · B·A·dropout(x), with
/// A (r, cols) and B (rows, r) the only trained weights. PEFT's conventions: A Kaiming-uniform
/// with a = √5 (bounds ±1/√cols), B zero, so a new adapter leaves the base model's output
/// exactly as it was; dropout applies to the adapter's input only, and only while training.
///
///     let q = LoRALinear(base: FrozenLinear(wq), rank: 16, alpha: 32, name: "blk.0.attn_q", seed: 7)
public final class LoRALinear: Linear {
    public let base: Linear
    public let rank: Int
    public let alpha: Float
    public let a: Parameter  // (r, cols)
    public let b: Parameter  // (rows, r)
    public var dropout: Float
    /// Dropout applies only while training (not to held-out losses or inference).
    public var training = true
    /// Dropout masks are drawn from this state, advanced once per forward pass.
    public var seed: UInt64
    public var rows: Int { base.rows }
    public var cols: Int { base.cols }
    public var scale: Float { alpha / Float(rank) }
    public var parameters: [Parameter] { [a, b] + base.parameters }

    /// The adapter's input after dropout and A, kept from the forward pass for the backward pass.
    private var saved: (xd: [Float], ax: [Float], mask: [Float]?, tokens: Int)?

    public init(base: Linear, rank: Int, alpha: Float, dropout: Float = 0, name: String, seed: UInt64) {
        self.base = base
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.seed = seed
        // ggml order, innermost first: llama.cpp's adapter tensors are lora_a {cols, r}, lora_b {r, rows}.
        a = Parameter(name + ".lora_a", shape: [base.cols, rank])
        b = Parameter(name + ".lora_b", shape: [rank, base.rows])
        var rng = SplitMix64(seed)
        let bound = 1 / Float(base.cols).squareRoot()
        for i in 0..<a.count { a.value[i] = (Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1) * bound }
    }

    public func forward(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        base.forward(x, tokens: tokens, out: out, pool: pool)
        var xd = Array(UnsafeBufferPointer(start: x, count: tokens * cols))
        var mask: [Float]?
        if dropout > 0, training {
            var rng = SplitMix64(seed)
            seed = rng.next()
            let keep = 1 / (1 - dropout)
            let m = (0..<xd.count).map { _ in Float(rng.next() >> 40) / Float(1 << 24) < dropout ? 0 : keep }
            for i in xd.indices { xd[i] *= m[i] }
            mask = m
        }
        var ax = [Float](repeating: 0, count: tokens * rank)
        PanelGemm.forward(rows: rank, cols: cols, PanelGemm.inPlace(a.value, cols: cols), x: xd, tokens: tokens, out: &ax, pool: pool)  // (T, r)
        // out += scale · (A x)·Bᵀ
        let s = scale
        var bax = [Float](repeating: 0, count: tokens * rows)
        PanelGemm.forward(rows: rows, cols: rank, PanelGemm.inPlace(b.value, cols: rank), x: ax, tokens: tokens, out: &bax, pool: pool)  // (T, rows)
        for i in 0..<tokens * rows { out[i] += s * bax[i] }
        saved = (xd, ax, mask, tokens)
    }

    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, pool: ThreadPool) {
        guard let saved, saved.tokens == tokens else { preconditionFailure("LoRALinear.backward without its forward pass") }
        base.backward(dy, input: x, tokens: tokens, dx: dx, pool: pool)
        let s = scale
        let sdy = (0..<tokens * rows).map { s * dy[$0] }  // (T, rows)
        PanelGemm.weightGradient(rows: rows, cols: rank, dy: sdy, x: saved.ax, tokens: tokens, dW: b.grad, pool: pool)  // dB += s·dyᵀ·(Ax)
        var dax = [Float](repeating: 0, count: tokens * rank)
        PanelGemm.backwardInput(rows: rows, cols: rank, PanelGemm.inPlace(b.value, cols: rank), dy: sdy, tokens: tokens, dx: &dax, pool: pool)  // (T, r)
        PanelGemm.weightGradient(rows: rank, cols: cols, dy: dax, x: saved.xd, tokens: tokens, dW: a.grad, pool: pool)  // dA += daxᵀ·xd
        guard let dx else { return }
        var dxd = [Float](repeating: 0, count: tokens * cols)
        PanelGemm.backwardInput(rows: rank, cols: cols, PanelGemm.inPlace(a.value, cols: cols), dy: dax, tokens: tokens, dx: &dxd, pool: pool)
        // Through dropout: a dropped input has no gradient; a kept one was scaled by 1/(1 − p).
        if let mask = saved.mask {
            for i in 0..<tokens * cols { dx[i] += dxd[i] * mask[i] }
        } else {
            for i in 0..<tokens * cols { dx[i] += dxd[i] }
        }
    }
}

/// SplitMix64: small, fast and seedable; the initialisation and dropout streams of training.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(_ seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension LoRAAdapter {
    /// `layers`' current weights as an adapter held in memory, applied by inference exactly as the
    /// file `AdapterGGUF.write` would give (scale alpha / r): a training run samples from it.
    public init(_ layers: [LoRALinear], architecture: String, name: String = "(training)") {
        var deltas: [String: Delta] = [:]
        for l in layers {
            deltas[String(l.a.name.dropLast(".lora_a".count))] = Delta(rank: l.rank, rows: l.rows, cols: l.cols, scale: l.scale,
                                                                        a: l.a.values, b: l.b.values)
        }
        self.init(architecture: architecture, alpha: layers.first?.alpha ?? 0, deltas: deltas, path: name)
    }
}
