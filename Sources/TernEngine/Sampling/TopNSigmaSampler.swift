import Foundation

/// Top-nσ (Tang et al., "Top-nσ: Not All Logits Are You Need", 2024, arXiv 2411.07641): keeps
/// the tokens whose logit is at least max − n·σ, where σ is the standard deviation of the logits
/// over the live candidates. The paper observes that informative tokens stand out from a roughly
/// Gaussian "noise" region of the logits; a threshold in units of σ separates them independently of temperature (scaling the logits scales max and σ alike).
///
/// σ is the population standard deviation (divide by the count) and −∞ logits are left out of
/// the statistics, as in llama.cpp's `top-n-sigma`. n ≤ 0 is off (llama.cpp's default is −1).
/// Order is preserved, so a sorted list stays sorted. Nothing is allocated.
public struct TopNSigmaSampler: Sampler {
    public let n: Float
    public init(_ n: Float) { self.n = n }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard n > 0, c.count > 1 else { return }
        var m = -Float.infinity
        var sum = 0.0
        var finite = 0
        for i in 0..<c.count where c.logits[i] != -.infinity {
            m = max(m, c.logits[i]); sum += Double(c.logits[i]); finite += 1
        }
        guard finite > 0 else { return }
        let mean = sum / Double(finite)
        var squares = 0.0
        for i in 0..<c.count where c.logits[i] != -.infinity {
            let d = Double(c.logits[i]) - mean
            squares += d * d
        }
        let sigma = (squares / Double(finite)).squareRoot()
        let threshold = Double(m) - Double(n) * sigma

        var kept = 0
        for i in 0..<c.count where Double(c.logits[i]) >= threshold {
            c.ids[kept] = c.ids[i]; c.logits[kept] = c.logits[i]; kept += 1
        }
        c.count = kept  // ≥ 1: the maximum always passes
    }
}
