import Foundation

/// Throughput measurements in the manner of llama-bench: model load and tokenization excluded,
/// synthetic token ids, one warm-up run, then `repetitions` timed runs.
///
///     let pp = try Benchmark(loaded).prefill(tokens: 512, repetitions: 3)   // tok/s per run
public struct Benchmark {
    public let loaded: LoadedModel

    public init(_ loaded: LoadedModel) { self.loaded = loaded }

    /// Mean and sample standard deviation of a series.
    public static func summary(_ xs: [Double]) -> (mean: Double, sd: Double) {
        let mean = xs.reduce(0, +) / Double(max(1, xs.count))
        guard xs.count > 1 else { return (mean, 0) }
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)
        return (mean, variance.squareRoot())
    }

    /// pp: tokens/s evaluating a prompt of `tokens` ids in one pass from an empty context.
    public func prefill(tokens: Int, repetitions: Int) throws -> [Double] {
        let session = Session(loaded, contextSize: tokens, maxBatch: tokens)
        let prompt = syntheticTokens(tokens)
        try session.evaluate(Array(prompt.prefix(min(tokens, 16))))  // warm-up: pages in the weights
        return try (0..<repetitions).map { _ in
            session.reset()
            let start = DispatchTime.now().uptimeNanoseconds
            try session.evaluate(prompt)
            return Double(tokens) / seconds(since: start)
        }
    }

    /// tg: tokens/s generating `tokens` tokens one at a time (greedy) after a one-token prompt,
    /// or after `depth` context tokens (llama-bench's `-d`): attention then reads `depth` more
    /// cached positions per token, a recurrent model's state stays the same size.
    public func decode(tokens: Int, repetitions: Int, depth: Int = 0) throws -> [Double] {
        let session = Session(loaded, contextSize: depth + tokens + 1, maxBatch: max(1, min(depth, 512)))
        let first = syntheticTokens(1), context = syntheticTokens(depth + 1)
        try session.evaluate(first)  // warm-up
        return try (0..<repetitions).map { _ in
            session.reset()
            if depth > 0 { try session.evaluate(Array(context.prefix(depth))) }  // not timed
            var next = first
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<tokens {
                let logits = try session.evaluate(next)
                next = [argmax(logits)]
            }
            return Double(tokens) / seconds(since: start)
        }
    }

    /// tgNxB: aggregate tokens/s of `sequences` sequences forked from one evaluated `prompt`-token
    /// prompt, each generating `tokens` tokens greedily, all decoding together as one batch.
    public func batchedDecode(sequences: Int, prompt: Int, tokens: Int, repetitions: Int) throws -> [Double] {
        let session = Session(loaded, contextSize: prompt + tokens, maxBatch: prompt)
        try session.evaluate(syntheticTokens(prompt))
        let first = argmax(session.logits)
        func run() throws -> Double {
            let batch = try SequenceBatch(forking: session, count: sequences)
            var next = [Int](repeating: first, count: sequences)
            let V = loaded.model.vocabularySize
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<tokens {
                let logits = try batch.step(next)
                for i in 0..<sequences { next[i] = argmax(UnsafeMutableBufferPointer(rebasing: logits[i * V ..< (i + 1) * V])) }
            }
            return Double(sequences * tokens) / seconds(since: start)
        }
        _ = try SequenceBatch(forking: session, count: sequences).step([Int](repeating: first, count: sequences))  // warm-up
        return try (0..<repetitions).map { _ in try run() }
    }

    /// Fixed pseudo-random ids below the vocabulary size, as llama-bench uses random tokens.
    func syntheticTokens(_ n: Int) -> [Int] {
        var rng = Xoshiro256(seed: 42)
        let vocabulary = loaded.model.vocabularySize
        return (0..<n).map { _ in Int(rng.next() % UInt64(vocabulary)) }
    }

    private func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func argmax(_ xs: UnsafeMutableBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<xs.count where xs[i] > xs[best] { best = i }
        return best
    }
}
