import Foundation

/// Exclude Top Choices (XTC), by p-e-w for text-generation-webui (PR #6335) and ported to
/// llama.cpp as `xtc`: with chance `probability` per step, every token whose probability is at
/// least `threshold` is removed *except the least likely of them*, steering away from the most
/// predictable continuations while keeping one viable choice. Nothing happens if fewer than two
/// tokens reach the threshold, so a threshold above 0.5 is a no-op (at most one token can exceed
/// it), as is a probability of 0. `minKeep` (default 1) leaves the list alone if the removal would
/// leave fewer candidates than that.
///
/// It needs its own seeded `Xoshiro256` for the coin flip, drawn once per step in which it could
/// act (probability > 0, threshold ≤ 0.5, at least two candidates). The survivors are sorted.
public struct XTCSampler: Sampler {
    public let probability: Float
    public let threshold: Float
    public let minKeep: Int
    public var rng: Xoshiro256

    /// llama.cpp's defaults: probability 0 (off), threshold 0.1.
    public init(probability: Float, threshold: Float = 0.1, minKeep: Int = 1, seed: UInt64) {
        self.probability = probability
        self.threshold = threshold
        self.minKeep = minKeep
        rng = Xoshiro256(seed: seed)
    }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard probability > 0, threshold <= 0.5, c.count >= 2 else { return }
        guard rng.nextUnitFloat() < probability else { return }

        c.sort()
        let m = c.logits[0]
        var z = 0.0
        for i in 0..<c.count { z += exp(Double(c.logits[i] - m)) }
        // The last (least likely) position whose probability still reaches the threshold.
        var last = 0
        for i in 0..<c.count {
            guard exp(Double(c.logits[i] - m)) / z >= Double(threshold) else { break }
            last = i
        }
        guard last > 0, c.count - last >= minKeep else { return }
        for i in last..<c.count {
            c.ids[i - last] = c.ids[i]
            c.logits[i - last] = c.logits[i]
        }
        c.count -= last
    }
}
