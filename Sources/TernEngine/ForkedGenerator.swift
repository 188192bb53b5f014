import Foundation

/// Several continuations of one prompt, generated together: the prompt is evaluated once, its
/// keys and values are copied into each sequence (`SequenceBatch`), and every step decodes one
/// token of each live sequence in a single batch. Each sequence has its own options (seed,
/// stop strings, constraint).
///
///     let results = try ForkedGenerator(session: session).generate(tokens: prompt, options: (0..<8).map { i in
///         var o = GenerationOptions(maxTokens: 64); o.sampling.seed = UInt64(i); return o
///     })
public struct ForkedGenerator {
    public let session: Session

    public init(session: Session) { self.session = session }

    /// `onText` receives (sequence index, text) as each sequence's text becomes final.
    public func generate(tokens promptIDs: [Int], options: [GenerationOptions],
                         isCancelled: () -> Bool = { false },
                         onText: (Int, String) -> Void = { _, _ in }) throws -> [GenerationResult] {
        precondition(!options.isEmpty, "at least one sequence")
        if options.count == 1 {  // one sequence decodes on the session itself
            return [try Generator(session: session).generate(tokens: promptIDs, options: options[0], isCancelled: isCancelled) { onText(0, $0) }]
        }
        let t0 = Date()
        let reused = try Generator(session: session).prefill(promptIDs)
        let promptLogits = try session.evaluate(Array(promptIDs[reused...]))
        let t1 = Date()
        var sequences = options.map { SequenceDecoder(prompt: promptIDs, options: $0, tokenizer: session.tokenizer) }
        for i in sequences.indices {
            sequences[i].result.promptSeconds = t1.timeIntervalSince(t0)
            sequences[i].result.reusedPromptTokens = reused
        }
        // Every sequence draws its first token from the prompt's logits.
        var next = [Int](repeating: 0, count: sequences.count)
        var live = [Bool](repeating: false, count: sequences.count)
        for i in sequences.indices {
            if let t = sequences[i].next(UnsafeBufferPointer(promptLogits), cancelled: isCancelled(), onText: { onText(i, $0) }) {
                next[i] = t
                live[i] = true
            }
        }
        if live.contains(true) {
            // Each sequence's cache holds the prompt and its own tokens, not a whole context.
            let longest = options.map(\.maxTokens).max() ?? 0
            let batch = try SequenceBatch(forking: session, count: sequences.count,
                                          capacity: min(session.contextSize, promptIDs.count + longest + 1))
            let V = session.model.vocabularySize
            while live.contains(true) {
                if batch.length(0) >= min(session.contextSize, promptIDs.count + longest + 1) {
                    for i in sequences.indices where live[i] { sequences[i].finish(.length) { onText(i, $0) } }
                    break
                }
                // Finished sequences ride along with their last token; their rows are ignored.
                let logits = try batch.step(next)
                let cancelled = isCancelled()
                for i in sequences.indices where live[i] {
                    let row = UnsafeBufferPointer(rebasing: logits[(i * V)..<((i + 1) * V)])
                    if let t = sequences[i].next(row, cancelled: cancelled, onText: { onText(i, $0) }) {
                        next[i] = t
                    } else {
                        live[i] = false
                    }
                }
            }
        }
        let seconds = Date().timeIntervalSince(t1)
        return sequences.map { var r = $0.result; r.generationSeconds = seconds; return r }
    }
}
