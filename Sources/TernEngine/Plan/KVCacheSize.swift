/// What attention caches per token (or a state-space model holds per sequence), for the model's
/// own variant and, for comparison, for plain multi-head attention of the same shape.
///
/// Per layer and token, in cache elements (`elementBytes` each; F16, Tern's and llama.cpp's default):
/// - MHA / GQA / MQA: K and V of every KV head, Hkv·(Dk + Dv); GQA divides MHA's by the group
///   size, MQA by the head count.
/// - MLA (DeepSeek-V2): the compressed latent and the shared rotary key, kv_lora_rank + rope dims
///   (the values are read from the same latent).
/// - SSM (Mamba 2): nothing per token; per sequence, in F32, the convolution's last
///   conv_kernel − 1 inputs over its channels plus the scan state, state_size × inner_size.
/// Sliding-window layers cache at most `window` positions.
///
///     let kv = KVCacheSize(model)
///     kv.bytesPerToken               // every layer, uncapped
///     kv.bytes(context: 32768)       // one sequence at 32k, sliding layers capped at their window
public struct KVCacheSize: Sendable {
    public let model: ModelDescription
    /// Bytes of one cached element: 2 for F16.
    public let elementBytes: Int

    public init(_ model: ModelDescription, elementBytes: Int = 2) {
        self.model = model
        self.elementBytes = elementBytes
    }

    /// Cached elements per token in one layer, for the model's own variant.
    public var elementsPerTokenPerLayer: Int {
        let a = model.attention
        switch a.variant {
        case .multiHead, .groupedQuery, .multiQuery: return a.kvHeads * (a.keyDim + a.valueDim)
        case .multiHeadLatent(let rank, let rope): return rank + rope
        case .stateSpace: return 0
        }
    }

    /// What multi-head attention of the same heads and head widths would cache per token and
    /// layer: H·(Dk + Dv). For an SSM, which has no heads to compare, a transformer of the same
    /// width: K and V of C channels each.
    public var mhaElementsPerTokenPerLayer: Int {
        let a = model.attention
        if case .stateSpace = a.variant { return 2 * model.dim }
        return a.heads * (a.keyDim + a.valueDim)
    }

    /// Bytes per token over all layers, ignoring windows.
    public var bytesPerToken: Int { model.layers * elementsPerTokenPerLayer * elementBytes }

    /// The same for multi-head attention.
    public var mhaBytesPerToken: Int { model.layers * mhaElementsPerTokenPerLayer * elementBytes }

    /// A state-space model's fixed state per sequence in bytes (F32), over all layers; 0 otherwise.
    public var stateBytesPerSequence: Int {
        guard case .stateSpace(let kernel, let channels, let inner, let state) = model.attention.variant else { return 0 }
        return model.layers * ((kernel - 1) * channels + state * inner) * 4
    }

    /// The cache of one sequence of `context` tokens: sliding layers hold min(context, window)
    /// positions; plus an SSM's fixed state.
    public func bytes(context: Int) -> Int {
        let perLayer = elementsPerTokenPerLayer * elementBytes
        var total = stateBytesPerSequence
        for l in 0..<model.layers {
            total += perLayer * positions(layer: l, context: context)
        }
        return total
    }

    /// Multi-head attention's cache at `context`, windows applied alike.
    public func mhaBytes(context: Int) -> Int {
        let perLayer = mhaElementsPerTokenPerLayer * elementBytes
        return (0..<model.layers).reduce(0) { $0 + perLayer * positions(layer: $1, context: context) }
    }

    /// Positions layer `l` keeps at `context`.
    public func positions(layer l: Int, context: Int) -> Int {
        if let sliding = model.slidingWindow, l < sliding.slidingLayers.count, sliding.slidingLayers[l] {
            return min(context, sliding.window)
        }
        return context
    }
}
