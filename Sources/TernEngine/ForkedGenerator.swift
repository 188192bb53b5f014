import Foundation

/// Several continuations generated together: the prompts' shared start is evaluated once, its keys
/// and values are copied into each sequence (`SequenceBatch`), each sequence then reads the rest
/// of its own prompt and samples, one token per live sequence per step in a single batch. Each
/// sequence has its own options (seed, stop strings, constraint). n samples of one prompt, or the
/// next step of several beams of a search, cost one evaluation of what they share.
///
///     let results = try ForkedGenerator(session: session).generate(tokens: prompt, options: (0..<8).map { i in
///         var o = GenerationOptions(maxTokens: 64); o.sampling.seed = UInt64(i); return o
///     })
public struct ForkedGenerator {
    public let session: Session

    public init(session: Session) { self.session = session }

    /// All sequences continue the same prompt. `onText` receives (sequence index, text) as each
    /// sequence's text becomes final.
    public func generate(tokens promptIDs: [Int], options: [GenerationOptions],
                         isCancelled: () -> Bool = { false },
                         onText: (Int, String) -> Void = { _, _ in }) throws -> [GenerationResult] {
        try generate(prompts: Array(repeating: promptIDs, count: options.count), options: options,
                     isCancelled: isCancelled, onText: onText)
    }

    /// Sequence i continues prompts[i]. A result's `reusedPromptTokens` counts the prompt tokens
    /// that sequence did not evaluate itself: the shared start's evaluation (or its reuse from the
    /// previous request) counts on the first sequence, each distinct rest on the first sequence
    /// that has it.
    ///
    /// `onToken` receives (sequence index, the result so far) after each token a sequence
    /// generates (its `ids`, and with logprobs its `logprobs` and `topLogprobs`, end with it),
    /// after that step's `onText`.
    public func generate(prompts: [[Int]], options: [GenerationOptions],
                         isCancelled: () -> Bool = { false },
                         onText: (Int, String) -> Void = { _, _ in },
                         onToken: (Int, GenerationResult) -> Void = { _, _ in }) throws -> [GenerationResult] {
        precondition(!options.isEmpty && prompts.count == options.count, "one prompt per sequence")
        if options.count == 1 {  // one sequence decodes on the session itself
            return [try Generator(session: session).generate(tokens: prompts[0], options: options[0], isCancelled: isCancelled,
                                                             onText: { onText(0, $0) }, onToken: { onToken(0, $0) })]
        }
        let t0 = Date()
        let (shared, reused, promptLogits) = try evaluateSharedStart(prompts)
        let t1 = Date()
        var sequences = options.indices.map { SequenceDecoder(prompt: prompts[$0], options: options[$0], tokenizer: session.tokenizer) }
        func step(_ i: Int, _ logits: UnsafeBufferPointer<Float>, cancelled: Bool) -> Int? {
            let before = sequences[i].result.ids.count
            let token = sequences[i].next(logits, cancelled: cancelled, onText: { onText(i, $0) })
            if sequences[i].result.ids.count > before { onToken(i, sequences[i].result) }
            return token
        }
        for i in sequences.indices {
            sequences[i].result.promptSeconds = t1.timeIntervalSince(t0)
        }
        // Each sequence's cache has room for its prompt and its own tokens, not a whole context.
        let longest = options.map(\.maxTokens).max() ?? 0
        let capacity = min(session.contextSize, (prompts.map(\.count).max() ?? 0) + longest + 1)
        // Every distinct rest of a prompt is evaluated once (all of them packed into shared passes)
        // and copied to the sequences that share it; each sequence draws its first token from its
        // prompt's last logits.
        var groups: [[Int]: [Int]] = [:], order: [[Int]] = []
        for i in sequences.indices {
            let rest = Array(prompts[i][shared.count...])
            if groups[rest] == nil { order.append(rest) }
            groups[rest, default: []].append(i)
        }
        let batch = try SequenceBatch(forking: session, count: sequences.count, capacity: capacity)
        var next = [Int](repeating: 0, count: sequences.count)
        var live = [Bool](repeating: false, count: sequences.count)
        let V = session.model.vocabularySize
        let rests = order.filter { !$0.isEmpty }
        let restLogits = try rests.isEmpty ? nil : batch.extend(rests.map { (groups[$0]![0], $0) })
        for rest in order {
            let members = groups[rest]!
            var logits = promptLogits
            if let k = rests.firstIndex(of: rest), let restLogits {
                for i in members.dropFirst() { batch.copy(members[0], to: i) }
                logits = UnsafeBufferPointer(rebasing: restLogits[(k * V)..<((k + 1) * V)])
            }
            for i in members {
                let evaluated = (i == members[0] ? rest.count : 0) + (i == 0 ? shared.count - reused : 0)
                sequences[i].result.reusedPromptTokens = prompts[i].count - evaluated
                if let t = step(i, logits, cancelled: isCancelled()) {
                    next[i] = t
                    live[i] = true
                }
            }
        }
        while live.contains(true) {
            for i in sequences.indices where live[i] && batch.length(i) >= capacity {
                sequences[i].finish(.length) { onText(i, $0) }
                live[i] = false
            }
            // Only live sequences are stepped: a finished one costs nothing.
            let rows = sequences.indices.filter { live[$0] }
            guard !rows.isEmpty else { break }
            let logits = try batch.step(rows.map { next[$0] }, rows: rows)
            let cancelled = isCancelled()
            for (k, i) in rows.enumerated() {
                let row = UnsafeBufferPointer(rebasing: logits[(k * V)..<((k + 1) * V)])
                if let t = step(i, row, cancelled: cancelled) {
                    next[i] = t
                } else {
                    live[i] = false
                }
            }
        }
        let seconds = Date().timeIntervalSince(t1)
        return sequences.map { var r = $0.result; r.generationSeconds = seconds; return r }
    }

    /// Evaluates several prompts and hands `body` each one's next-token logits (prompt index,
    /// logits; not in index order): their shared start is evaluated once on the session (kept for
    /// the next request), the rests packed into shared passes. Returns how many prompt tokens were
    /// evaluated.
    @discardableResult
    public func lastLogits(of prompts: [[Int]], _ body: (Int, UnsafeBufferPointer<Float>) -> Void) throws -> Int {
        guard !prompts.isEmpty else { return 0 }
        let (shared, reused, promptLogits) = try evaluateSharedStart(prompts)
        var evaluated = shared.count - reused
        var distinct: [[Int]] = [], users: [[Int]: [Int]] = [:]
        for (i, p) in prompts.enumerated() {
            if p.count == shared.count { body(i, promptLogits); continue }
            if users[p] == nil { distinct.append(p) }
            users[p, default: []].append(i)
        }
        // Up to 16 distinct rests at a time, each in its own forked sequence.
        let V = session.model.vocabularySize
        for start in stride(from: 0, to: distinct.count, by: 16) {
            let chunk = Array(distinct[start..<min(start + 16, distinct.count)])
            let batch = try SequenceBatch(forking: session, count: chunk.count, capacity: (chunk.map(\.count).max() ?? 0) + 1)
            let logits = try batch.extend(chunk.enumerated().map { ($0.offset, Array($0.element[shared.count...])) })
            for (k, p) in chunk.enumerated() {
                evaluated += p.count - shared.count
                for i in users[p]! { body(i, UnsafeBufferPointer(rebasing: logits[(k * V)..<((k + 1) * V)])) }
            }
        }
        return evaluated
    }

    /// Checks every prompt fits, then evaluates the start they all share on the session (reusing
    /// what the session still holds of it): the start, how many of its tokens were reused, and the
    /// logits after it.
    private func evaluateSharedStart(_ prompts: [[Int]]) throws -> (shared: [Int], reused: Int, logits: UnsafeBufferPointer<Float>) {
        for p in prompts where p.count >= session.contextSize {
            throw EngineError.promptTooLong(tokens: p.count, context: session.contextSize)
        }
        let shared = Self.sharedPrefix(prompts)
        let reused = try Generator(session: session).prefill(shared)
        return (shared, reused, UnsafeBufferPointer(try session.evaluate(Array(shared[reused...]))))
    }

    /// The longest start all prompts share.
    static func sharedPrefix(_ prompts: [[Int]]) -> [Int] {
        guard var prefix = prompts.first else { return [] }
        for p in prompts.dropFirst() {
            var n = 0
            while n < min(prefix.count, p.count) && prefix[n] == p[n] { n += 1 }
            prefix.removeSubrange(n...)
        }
        return prefix
    }
}
