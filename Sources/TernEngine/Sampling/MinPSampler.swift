import Foundation

/// Keeps tokens whose probability is at least `p` times that of the most likely token.
public struct MinPSampler: Sampler {
    public let p: Float
    public init(_ p: Float) { self.p = p }
    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard p > 0, c.count > 1 else { return }
        // p_i ≥ p · p_max  ⇔  logit_i ≥ logit_max + ln p
        var m = -Float.infinity
        for i in 0..<c.count { m = max(m, c.logits[i]) }
        let threshold = m + logf(p)
        var kept = 0
        for i in 0..<c.count where c.logits[i] >= threshold {
            c.ids[kept] = c.ids[i]; c.logits[kept] = c.logits[i]; kept += 1
        }
        c.count = kept  // order is preserved, so a sorted list stays sorted
    }
}
