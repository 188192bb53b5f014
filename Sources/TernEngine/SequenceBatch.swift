import TernModels

/// Several sequences that continue from one evaluated prompt and decode together: each step runs
/// one token per sequence through the model as a single batch, so every weight is read once per
/// step rather than once per sequence.
///
/// Forked sequences read the prompt's keys and values from the session's cache in place (nothing
/// is copied); the prompt is never evaluated again, and each sequence holds only its own rows.
///
///     try session.evaluate(promptTokens)
///     let batch = try SequenceBatch(forking: session, count: 8)
///     let logits = batch.step([t0, t1, ..., t7])   // (8, V)
public final class SequenceBatch {
    public let model: any CausalLM
    public let count: Int
    let caches: [KVCache]
    let scratch: ModelState
    let hidden: UnsafeMutablePointer<Float>        // (max(count, 64), C)
    public let logits: UnsafeMutableBufferPointer<Float>  // (count, V)

    /// The sequences read the session's keys and values in place (see `KVCache.base`), so the
    /// session must not evaluate anything while the batch is in use.
    public init(forking session: Session, count: Int, capacity: Int? = nil) throws {
        model = session.model
        self.count = count
        let prompt = session.state.cache, length = prompt.count
        let size = capacity ?? session.contextSize
        guard length < size else { throw EngineError.contextFull(context: size) }
        // Room for a pass over the rest of a sequence's prompt as well as one token per sequence.
        scratch = model.makeState(contextSize: 1, maxBatch: max(count, 64), numerics: session.state.numerics)
        caches = (0..<count).map { _ in KVCache(sharing: prompt, capacity: size) }
        hidden = .allocate(capacity: scratch.maxBatch * model.hiddenSize)
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
        return try step(tokens, rows: Array(0..<count))
    }

    /// Appends tokens[k] to sequence rows[k] only (the others wait, costing nothing) and returns
    /// the logits, row k for sequence rows[k].
    @discardableResult
    public func step(_ tokens: [Int], rows: [Int]) throws -> UnsafeMutableBufferPointer<Float> {
        precondition(tokens.count == rows.count && rows.count <= count, "one token per stepped sequence")
        let stepped = rows.map { caches[$0] }
        if let full = stepped.first(where: { $0.remaining == 0 }) { throw EngineError.contextFull(context: full.capacity) }
        guard !rows.isEmpty else { return logits }
        model.forward(batch: tokens, caches: stepped, scratch: scratch, hidden: hidden)
        model.logits(hidden, rows: rows.count, state: scratch, out: logits.baseAddress!)
        return logits
    }

    /// Evaluates, for each (row, tokens) part, `tokens` as the continuation of sequence `row` (the
    /// rest of its own prompt), packing parts into passes of up to 64 tokens, and returns the
    /// logits after each part's last token, row k for part k (parts must name distinct rows).
    public func extend(_ parts: [(row: Int, tokens: [Int])]) throws -> UnsafeMutableBufferPointer<Float> {
        precondition(parts.count <= count && parts.allSatisfy { !$0.tokens.isEmpty })
        for part in parts where caches[part.row].count + part.tokens.count > caches[part.row].capacity {
            throw EngineError.contextFull(context: caches[part.row].capacity)
        }
        let C = model.hiddenSize
        let last = UnsafeMutablePointer<Float>.allocate(capacity: max(1, parts.count) * C)  // (parts, C)
        defer { last.deallocate() }
        // Each pass takes parts (or pieces of a long one) until it holds maxBatch tokens.
        var k = 0, offset = 0
        while k < parts.count {
            var segments: [(tokens: ArraySlice<Int>, cache: KVCache)] = [], ends: [(part: Int, row: Int)] = []
            var room = scratch.maxBatch, rowInPass = 0
            while k < parts.count && room > 0 {
                let tokens = parts[k].tokens, take = min(room, tokens.count - offset)
                segments.append((tokens[offset..<(offset + take)], caches[parts[k].row]))
                rowInPass += take
                room -= take
                offset += take
                if offset == tokens.count {
                    ends.append((k, rowInPass - 1))
                    k += 1
                    offset = 0
                }
            }
            model.forward(segments: segments, scratch: scratch, hidden: hidden)
            for e in ends { (last + e.part * C).update(from: hidden + e.row * C, count: C) }
        }
        model.logits(last, rows: parts.count, state: scratch, out: logits.baseAddress!)
        return logits
    }

    /// Makes sequence `to` a copy of sequence `from` (the rows `from` added to the shared prompt).
    public func copy(_ from: Int, to: Int) {
        caches[to].copyPrefix(of: caches[from])
    }
}
