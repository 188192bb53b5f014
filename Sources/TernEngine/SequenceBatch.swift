import TernModels

/// Several sequences that continue from one evaluated prompt and decode together: each step runs
/// one token per sequence through the model as a single batch, so every weight is read once per
/// step rather than once per sequence.
///
/// Forking copies the prompt's keys and values into each sequence's cache; the prompt is never
/// evaluated again.
///
///     try session.evaluate(promptTokens)
///     let batch = try SequenceBatch(forking: session, count: 8)
///     let logits = batch.step([t0, t1, ..., t7])   // (8, V)
public final class SequenceBatch {
    public let model: any CausalLM
    public let count: Int
    let caches: [KVCache]
    let scratch: ModelState
    let hidden: UnsafeMutablePointer<Float>        // (count, C)
    public let logits: UnsafeMutableBufferPointer<Float>  // (count, V)

    public init(forking session: Session, count: Int, capacity: Int? = nil) throws {
        model = session.model
        self.count = count
        let prompt = session.state.cache, length = prompt.count
        let size = capacity ?? session.contextSize
        guard length < size else { throw EngineError.contextFull(context: size) }
        scratch = model.makeState(contextSize: 1, maxBatch: count, numerics: session.state.numerics)
        caches = (0..<count).map { _ in
            let cache = KVCache(layers: prompt.layers, capacity: size, kvDim: prompt.kvDim, halfPrecision: prompt.halfPrecision)
            cache.copyPrefix(of: prompt)
            return cache
        }
        hidden = .allocate(capacity: count * model.hiddenSize)
        logits = .allocate(capacity: count * model.vocabularySize)
    }

    deinit {
        hidden.deallocate()
        logits.deallocate()
    }

    /// Positions filled in sequence i.
    public func length(_ i: Int) -> Int { caches[i].count }

    /// Appends tokens[i] to sequence i for every i and returns the next-token logits, row i for
    /// sequence i.
    @discardableResult
    public func step(_ tokens: [Int]) throws -> UnsafeMutableBufferPointer<Float> {
        precondition(tokens.count == count, "one token per sequence")
        if let full = caches.first(where: { $0.remaining == 0 }) { throw EngineError.contextFull(context: full.capacity) }
        model.forward(batch: tokens, caches: caches, scratch: scratch, hidden: hidden)
        model.logits(hidden, rows: count, state: scratch, out: logits.baseAddress!)
        return logits
    }
}
