import TernKernels

/// The k most likely tokens with their log-probabilities over the full softmax of the raw logits
/// (before any sampler touches them), most likely first.
public func topLogprobs(_ logits: UnsafeBufferPointer<Float>, k: Int) -> [(id: Int, logprob: Double)] {
    guard k > 0 else { return [] }
    let lse = logSumExp(logits.baseAddress!, logits.count)
    var c = Candidates()
    c.load(logits)
    c.keepTop(k)
    return (0..<c.count).map { (c.ids[$0], Double(c.logits[$0]) - lse) }
}

/// The log-probability of `token` over the full softmax of the raw logits.
public func logprob(_ logits: UnsafeBufferPointer<Float>, of token: Int) -> Double {
    logprobs(logits, of: [token])[0]
}

/// The log-probabilities of several tokens over the full softmax of the raw logits (normalised once).
public func logprobs(_ logits: UnsafeBufferPointer<Float>, of tokens: [Int]) -> [Double] {
    let lse = logSumExp(logits.baseAddress!, logits.count)
    return tokens.map { Double(logits[$0]) - lse }
}

/// Shannon entropy (nats) of the full softmax of the raw logits.
public func entropy(_ logits: UnsafeBufferPointer<Float>) -> Double {
    var c = Candidates()
    c.load(logits)
    return c.entropy()
}
