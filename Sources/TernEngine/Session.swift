import TernKernels
import TernModels
import TernTokenizers

/// One sequence being evaluated: the model's KV cache plus buffers for hidden states and logits.
/// A session is owned by one thread at a time; nothing on its per-token path allocates.
///
///     let session = Session(loaded, contextSize: 2048)
///     let logits = try session.evaluate(prompt)     // (V) logits after the last prompt token
///     let next = try session.evaluate([token])
public final class Session {
    public let model: any CausalLM
    public let tokenizer: any Tokenizer
    public let contextSize: Int
    public let maxBatch: Int
    /// Tokens whose keys and values are in the cache, in order.
    public private(set) var tokens: [Int] = []
    let state: ModelState
    let hidden: UnsafeMutablePointer<Float>        // (maxBatch, C)
    public let logits: UnsafeMutableBufferPointer<Float>  // (V) for the last evaluated token

    public init(_ loaded: LoadedModel, contextSize: Int = 4096, maxBatch: Int = 512) {
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.contextSize = contextSize
        self.maxBatch = maxBatch
        state = model.makeState(contextSize: contextSize, maxBatch: maxBatch)
        hidden = .allocate(capacity: maxBatch * model.hiddenSize)
        logits = .allocate(capacity: model.vocabularySize)
        tokens.reserveCapacity(contextSize)
    }

    deinit {
        hidden.deallocate()
        logits.deallocate()
    }

    /// Forgets everything, as a fresh context.
    public func reset() {
        tokens.removeAll(keepingCapacity: true)
        state.cache.count = 0
    }

    /// Keeps the cached keys and values of the longest prefix `prompt` shares with the tokens
    /// already evaluated (leaving at least its last token to evaluate, for its logits), forgets the
    /// rest, and returns how many tokens were kept: a prompt that extends the previous one (a chat's
    /// next turn, a search's next step) costs only its new tokens, as llama.cpp's prompt cache does.
    /// A recurrent model's state cannot go back, so there it keeps everything or nothing.
    @discardableResult
    public func rewind(toSharedPrefixOf prompt: [Int]) -> Int {
        var n = 0
        let limit = min(tokens.count, prompt.count - 1)
        while n < limit && tokens[n] == prompt[n] { n += 1 }
        if !state.cache.canRewind(to: n) { n = 0 }
        tokens.removeSubrange(n...)
        state.cache.count = n
        return n
    }

    /// Appends `newTokens` to the sequence and returns the logits that follow the last of them.
    @discardableResult
    public func evaluate(_ newTokens: [Int]) throws -> UnsafeMutableBufferPointer<Float> {
        try evaluate(newTokens) { _, _ in }
        return logits
    }

    /// Appends `newTokens`, calling `perPosition(i, hiddenState)` for each of them (i indexes
    /// `newTokens`) so callers such as perplexity can project any position they need, and leaves the
    /// last token's logits in `logits`.
    public func evaluate(_ newTokens: [Int], perPosition: (Int, UnsafePointer<Float>) -> Void) throws {
        guard !newTokens.isEmpty else { return }
        guard tokens.count + newTokens.count <= contextSize else {
            throw tokens.isEmpty ? EngineError.promptTooLong(tokens: newTokens.count, context: contextSize)
                                 : EngineError.contextFull(context: contextSize)
        }
        let C = model.hiddenSize
        var start = 0
        while start < newTokens.count {
            let end = min(start + maxBatch, newTokens.count)
            model.forward(newTokens[start..<end], state: state, hidden: hidden)
            for i in 0..<(end - start) { perPosition(start + i, hidden + i * C) }
            if end == newTokens.count {
                model.logits(hidden + (end - start - 1) * C, rows: 1, state: state, out: logits.baseAddress!)
            }
            start = end
        }
        tokens.append(contentsOf: newTokens)
    }
}
