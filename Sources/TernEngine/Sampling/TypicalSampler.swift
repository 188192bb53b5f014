import Foundation

/// Locally typical sampling (Meister, Pimentel, Wiher and Cotterell, "Locally Typical Sampling",
/// TACL 2023, arXiv 2202.00666): keeps the tokens whose surprisal −ln pᵢ is closest to the entropy
/// H of the distribution, adding them in order of |−ln pᵢ − H| until their mass reaches `p`
/// (at least `minKeep` tokens). p ≥ 1 is a no-op.
///
/// The stopping rule is the paper's "mass ≥ p"; llama.cpp's `typical` stops at "mass > p", which
/// differs only at exact ties. The kept tokens stay in their incoming order (llama.cpp reorders
/// them by typicality), so a sorted list stays sorted for the samplers that follow.
public struct TypicalSampler: Sampler {
    public let p: Float
    public let minKeep: Int
    // Scratch buffers reused from step to step.
    private var probs: [Double] = []
    private var scores: [Double] = []
    private var order: [Int] = []

    public init(_ p: Float, minKeep: Int = 1) {
        self.p = p
        self.minKeep = max(minKeep, 1)
    }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard p < 1, c.count > 1 else { return }
        let n = c.count
        if probs.count < n {
            probs = Array(repeating: 0, count: n)
            scores = Array(repeating: 0, count: n)
            order = Array(repeating: 0, count: n)
        }

        var m = -Float.infinity
        for i in 0..<n { m = max(m, c.logits[i]) }
        var z = 0.0
        for i in 0..<n { probs[i] = exp(Double(c.logits[i] - m)); z += probs[i] }
        var h = 0.0
        for i in 0..<n {
            probs[i] /= z
            if probs[i] > 0 { h -= probs[i] * log(probs[i]) }
        }
        for i in 0..<n {
            scores[i] = probs[i] > 0 ? abs(-log(probs[i]) - h) : .infinity
            order[i] = i
        }

        // Most typical first (ties: lower position first, for determinism).
        var order = [Int]()
        swap(&order, &self.order)
        defer { swap(&order, &self.order) }
        let scores = self.scores
        order[0..<n].sort { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }

        var kept = n
        var cumulative = 0.0
        for i in 0..<n {
            cumulative += probs[order[i]]
            if cumulative >= Double(p) && i + 1 >= minKeep { kept = i + 1; break }
        }
        guard kept < n else { return }

        // Compact the kept positions in their original order; read index ≥ write index throughout.
        order[0..<kept].sort()
        for w in 0..<kept {
            let r = order[w]
            c.ids[w] = c.ids[r]
            c.logits[w] = c.logits[r]
        }
        c.count = kept
    }
}
