/// Where token t of a forward pass belongs: all to one sequence, from its current length on; one
/// token to each of several sequences (batched decode); or each token to a given sequence and
/// position (forked sequences reading the rest of their own prompts).
enum Placement {
    case sequence(KVCache)
    case oneEach([KVCache])
    case slots([(KVCache, Int)])

    @inline(__always)
    func slot(_ t: Int) -> (cache: KVCache, position: Int) {
        switch self {
        case .sequence(let cache): return (cache, cache.count + t)
        case .oneEach(let caches): return (caches[t], caches[t].count)
        case .slots(let slots): return slots[t]
        }
    }
}

/// A model whose forward pass is one `run` over placed tokens: the three ways of calling
/// `CausalLM.forward` (one sequence, segments of several, a batch of one token each) come from it.
protocol PlacedForward: CausalLM {
    /// Runs `tokens` at the positions `placement` gives and writes their final normalised hidden
    /// states to `hidden`; caches are grown by the callers below, not here.
    func run(_ tokens: ArraySlice<Int>, _ placement: Placement, state: ModelState, hidden: UnsafeMutablePointer<Float>)
}

extension PlacedForward {
    public func forward(_ tokens: ArraySlice<Int>, state: ModelState, hidden: UnsafeMutablePointer<Float>) {
        run(tokens, .sequence(state.cache), state: state, hidden: hidden)
        state.cache.count += tokens.count
    }

    public func forward(segments: [(tokens: ArraySlice<Int>, cache: KVCache)], scratch: ModelState, hidden: UnsafeMutablePointer<Float>) {
        var tokens: [Int] = [], slots: [(KVCache, Int)] = []
        for (part, cache) in segments {
            tokens += part
            slots += part.indices.map { (cache, cache.count + $0 - part.startIndex) }
        }
        precondition(tokens.count <= scratch.maxBatch)
        run(tokens[...], .slots(slots), state: scratch, hidden: hidden)
        for (part, cache) in segments { cache.count += part.count }
    }

    public func forward(batch tokens: [Int], caches: [KVCache], scratch: ModelState, hidden: UnsafeMutablePointer<Float>) {
        precondition(tokens.count == caches.count && tokens.count <= scratch.maxBatch)
        run(tokens[...], .oneEach(caches), state: scratch, hidden: hidden)
        for cache in caches { cache.count += 1 }
    }
}
