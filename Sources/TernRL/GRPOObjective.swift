import Foundation

/// The GRPO objective of DeepSeekMath (Shao et al. 2024), token by token. A group of G answers is
/// sampled for one prompt; answer i's advantage is its reward relative to the group's,
///
///     A_i = (r_i − mean(r)) / (std(r) + 1e-4)      (or r_i − mean(r): Dr. GRPO, `scaleRewards = false`)
///
/// and every token t of answer i is pushed by the clipped surrogate of PPO minus a KL penalty to a
/// reference model (Schulman's k3 estimator, which is unbiased and never negative):
///
///     ρ = exp(logp − logp_old),  J = min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A) − β·k3,
///     k3 = exp(logp_ref − logp) − (logp_ref − logp) − 1,
///
/// and the loss is −Σ c_t·J_t, with c_t the token's share of the batch (`Averaging`).
///
///     let objective = GRPOObjective(epsilon: 0.2, beta: 0.04)
///     let a = objective.advantages([1, 0, 0, 1])         // [0.87, -0.87, -0.87, 0.87]
///     let g = objective.gradient(logp: -1.2, old: -1.2, ref: -1.0, advantage: a[0])
public struct GRPOObjective: Sendable, Equatable, Codable {
    /// How each answer's tokens are weighted in the loss.
    public enum Averaging: String, Sendable, Codable, CaseIterable {
        /// Every token of the batch counts the same (DAPO; Dr. GRPO): a long answer is not
        /// penalised less per token than a short one. The default.
        case token
        /// The mean over each answer's tokens, then over answers (DeepSeekMath's formula): each
        /// answer counts the same, so a long wrong answer's tokens are each pushed less.
        case sequence
    }

    public var epsilon: Double = 0.2
    public var beta: Double = 0.04
    /// Divide by the group's standard deviation (DeepSeekMath) or not (Dr. GRPO).
    public var scaleRewards = true
    public var averaging = Averaging.token

    public init(epsilon: Double = 0.2, beta: Double = 0.04, scaleRewards: Bool = true, averaging: Averaging = .token) {
        self.epsilon = epsilon
        self.beta = beta
        self.scaleRewards = scaleRewards
        self.averaging = averaging
    }

    /// The advantages of one group's rewards (all zero when every answer scored the same: the
    /// group teaches nothing).
    public func advantages(_ rewards: [Double]) -> [Double] {
        guard !rewards.isEmpty else { return [] }
        let mean = rewards.reduce(0, +) / Double(rewards.count)
        // The sample standard deviation (n − 1), as TRL's torch.std.
        let variance = rewards.count > 1 ? rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(rewards.count - 1) : 0
        let std = variance.squareRoot()
        return rewards.map { scaleRewards ? ($0 - mean) / (std + 1e-4) : $0 - mean }
    }

    /// The k3 estimate of KL(π ‖ π_ref) at one token.
    public func kl(logp: Double, ref: Double) -> Double { exp(ref - logp) - (ref - logp) - 1 }

    /// Whether the clip decides this token (its gradient through the ratio is then zero).
    public func isClipped(logp: Double, old: Double, advantage: Double) -> Bool {
        let ratio = exp(logp - old)
        return (advantage > 0 && ratio > 1 + epsilon) || (advantage < 0 && ratio < 1 - epsilon)
    }

    /// The token's objective J (to be maximised).
    public func objective(logp: Double, old: Double, ref: Double?, advantage: Double) -> Double {
        let ratio = exp(logp - old)
        let surrogate = min(ratio * advantage, min(max(ratio, 1 - epsilon), 1 + epsilon) * advantage)
        return surrogate - (ref.map { beta * kl(logp: logp, ref: $0) } ?? 0)
    }

    /// ∂J/∂logp at one token: ρ·A where the clip does not decide, plus β·(exp(ref − logp) − 1)
    /// from the penalty (no reference: no penalty).
    public func gradient(logp: Double, old: Double, ref: Double?, advantage: Double) -> Double {
        let surrogate = isClipped(logp: logp, old: old, advantage: advantage) ? 0 : exp(logp - old) * advantage
        let penalty = ref.map { beta * (exp($0 - logp) - 1) } ?? 0
        return surrogate + penalty
    }

    /// c_t for each token of answers with these lengths (their sum over all tokens is 1).
    public func tokenWeights(lengths: [Int]) -> [Double] {
        let total = lengths.reduce(0, +), answers = lengths.filter { $0 > 0 }.count
        return lengths.map { n in
            guard n > 0 else { return 0 }
            switch averaging {
            case .token: return 1 / Double(total)
            case .sequence: return 1 / (Double(n) * Double(answers))
            }
        }
    }
}
