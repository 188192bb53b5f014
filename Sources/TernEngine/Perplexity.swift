import Foundation
import TernKernels

/// Perplexity by llama.cpp's method: the text is tokenized with BOS and cut into chunks of `context`
/// tokens; each chunk starts from an empty cache with its first token replaced by BOS, and only the
/// second half of each chunk is scored (so every scored token has at least context/2 of history).
public struct PerplexityResult: Sendable {
    public var chunks: Int
    public var scoredTokens: Int
    public var perplexity: Double
    public var standardError: Double
    /// Running perplexity after each chunk, as llama.cpp prints it.
    public var perChunk: [Double]
}

public func perplexity(of text: String, loaded: LoadedModel, context: Int,
                       onChunk: (Int, Int, Double) -> Void = { _, _, _ in }) throws -> PerplexityResult {
    let tokenizer = loaded.tokenizer, model = loaded.model
    let tokens = tokenizer.encode(text, addSpecial: true, parseSpecial: false)
    let chunks = tokens.count / context
    guard chunks > 0 else { throw EngineError.textTooShort(tokens: tokens.count, needed: context) }
    let session = Session(loaded, contextSize: context, maxBatch: context)
    let first = context / 2, V = model.vocabularySize, C = model.hiddenSize
    let group = 16  // logit rows projected together: one pass over the output matrix serves 16 positions
    let hidden = UnsafeMutablePointer<Float>.allocate(capacity: (context - first) * C)
    let logits = UnsafeMutablePointer<Float>.allocate(capacity: group * V)
    defer { hidden.deallocate(); logits.deallocate() }

    var nll = 0.0, nll2 = 0.0, count = 0
    var perChunk: [Double] = []
    for chunk in 0..<chunks {
        var batch = Array(tokens[chunk * context ..< (chunk + 1) * context])
        if let bos = tokenizer.bos, tokenizer.addBOS { batch[0] = bos }
        session.reset()
        // Positions first ..< context-1 predict tokens first+1 ..< context.
        try session.evaluate(batch) { i, h in
            if i >= first && i < context - 1 { (hidden + (i - first) * C).update(from: h, count: C) }
        }
        let scored = context - 1 - first
        var g = 0
        while g < scored {
            let n = min(group, scored - g)
            model.logits(hidden + g * C, rows: n, state: session.state, out: logits)
            for r in 0..<n {
                let row = logits + r * V
                let target = batch[first + g + r + 1]
                let v = logSumExp(row, V) - Double(row[target])
                nll += v; nll2 += v * v; count += 1
            }
            g += n
        }
        perChunk.append(exp(nll / Double(count)))
        onChunk(chunk + 1, chunks, perChunk.last!)
    }
    let mean = nll / Double(count)
    let variance = nll2 / Double(count) - mean * mean
    let stderr = variance > 0 ? (variance / Double(count - 1)).squareRoot() * exp(mean) : 0
    return PerplexityResult(chunks: chunks, scoredTokens: count, perplexity: exp(mean),
                            standardError: stderr, perChunk: perChunk)
}
