import Foundation

/// AdamW (Loshchilov & Hutter): Adam's moment estimates with weight decay decoupled from the
/// gradient, as PyTorch's `torch.optim.AdamW` computes it:
///
///     m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
///     w −= lr·wd·w;  w −= lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
///
///     var opt = AdamW(parameters: model.parameters, weightDecay: 0.01)
///     opt.step(learningRate: schedule(step))
public final class AdamW {
    public let parameters: [Parameter]
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// Steps taken so far (t in the bias corrections).
    public private(set) var steps = 0
    /// First and second moments, one buffer per parameter.
    public let m: [UnsafeMutablePointer<Float>]
    public let v: [UnsafeMutablePointer<Float>]

    public init(parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.parameters = parameters
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        m = parameters.map { p in let b = UnsafeMutablePointer<Float>.allocate(capacity: p.count); b.initialize(repeating: 0, count: p.count); return b }
        v = parameters.map { p in let b = UnsafeMutablePointer<Float>.allocate(capacity: p.count); b.initialize(repeating: 0, count: p.count); return b }
    }

    deinit {
        for b in m { b.deallocate() }
        for b in v { b.deallocate() }
    }

    /// Updates every parameter from its gradient (which is left as it is).
    public func step(learningRate lr: Float) {
        steps += 1
        let c1 = 1 - powf(beta1, Float(steps)), c2 = 1 - powf(beta2, Float(steps))
        for (i, p) in parameters.enumerated() {
            let w = p.value, g = p.grad, m = self.m[i], v = self.v[i]
            for j in 0..<p.count {
                m[j] = beta1 * m[j] + (1 - beta1) * g[j]
                v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j]
                w[j] -= lr * weightDecay * w[j]
                w[j] -= lr * (m[j] / c1) / ((v[j] / c2).squareRoot() + eps)
            }
        }
    }

    /// Sets the step count a checkpoint saved (its moments are read straight into `m` and `v`).
    public func restore(steps: Int) { self.steps = steps }
}

/// The global L2 norm of all gradients, and scaling them down to `maxNorm` when it is larger
/// (torch.nn.utils.clip_grad_norm_). Returns the norm before clipping.
@discardableResult
public func clipGradients(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var ss = 0.0
    for p in parameters { for j in 0..<p.count { ss += Double(p.grad[j]) * Double(p.grad[j]) } }
    let norm = Float(ss.squareRoot())
    if norm > maxNorm, norm.isFinite {
        let s = maxNorm / (norm + 1e-6)
        for p in parameters { for j in 0..<p.count { p.grad[j] *= s } }
    }
    return norm
}

/// Linear warm-up to the peak rate, then cosine decay to `minRate` at `totalSteps`
/// (transformers' get_cosine_schedule_with_warmup, with a floor).
public struct LearningRateSchedule: Sendable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minRate: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minRate: Float = 0) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minRate = minRate
    }

    /// The rate for step `step` (0-based: the first update uses step 0).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let progress = min(1, Float(step - warmupSteps) / Float(span))
        return minRate + (peak - minRate) * 0.5 * (1 + cosf(.pi * progress))
    }
}
