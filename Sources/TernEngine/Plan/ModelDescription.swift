import TernGGUF

/// What `tern plan` needs to know about a model, read from a GGUF header or a Hugging Face
/// `config.json`: its tensors (parameter counts come from their shapes, which works for every
/// architecture) and the hyperparameters that size its cache and its compute.
///
///     let model = try ModelDescription(gguf: GGUFHeader(path: "model.gguf"))
///     model.attention.variant    // .groupedQuery(groups: 4)
///     model.tensors.count        // 201
public struct ModelDescription: Sendable {
    /// `general.architecture` (GGUF) or the GGUF name of config.json's `model_type`.
    public var architecture: String
    public var layers: Int
    /// C, the residual width.
    public var dim: Int
    public var vocabulary: Int
    /// The trained context length, when the model states one.
    public var contextLength: Int?
    public var attention: AttentionShape
    /// Layers that attend only within a window (Gemma 3: five of every six), if any.
    public var slidingWindow: SlidingWindow?
    /// Mixture of experts, if any.
    public var experts: ExpertShape?
    public var tensors: [PlannedTensor]
    /// Size of the file described (GGUF), nil for a config.json.
    public var fileBytes: Int?
    /// False when the GGUF's data section is cut short (its header still describes the model).
    public var hasAllData = true
    /// The checkpoint's float type for a config.json (`torch_dtype`); nil for GGUF.
    public var checkpointType: String?

    public init(architecture: String, layers: Int, dim: Int, vocabulary: Int, contextLength: Int?,
                attention: AttentionShape, slidingWindow: SlidingWindow? = nil, experts: ExpertShape? = nil,
                tensors: [PlannedTensor]) {
        self.architecture = architecture
        self.layers = layers
        self.dim = dim
        self.vocabulary = vocabulary
        self.contextLength = contextLength
        self.attention = attention
        self.slidingWindow = slidingWindow
        self.experts = experts
        self.tensors = tensors
    }

    /// Whether the output projection reuses the embedding (no `output.weight`).
    public var tiedOutput: Bool { !tensors.contains { $0.part == .output && $0.isMatrix } }
}

/// The attention (or state-space) shape: what a token leaves behind in the cache.
public struct AttentionShape: Sendable, Equatable {
    /// H, query heads (for an SSM: its heads, `ssm.time_step_rank`).
    public var heads: Int
    /// Hkv, key/value heads.
    public var kvHeads: Int
    /// Per-head key and value widths as attention computes them (MLA: the decompressed widths,
    /// `key_length_mla` and `value_length_mla`).
    public var keyDim: Int
    public var valueDim: Int
    public var variant: AttentionVariant

    public init(heads: Int, kvHeads: Int, keyDim: Int, valueDim: Int, variant: AttentionVariant? = nil) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.keyDim = keyDim
        self.valueDim = valueDim
        self.variant = variant ?? AttentionVariant(heads: heads, kvHeads: kvHeads)
    }
}

/// How a model caches its past. Sizes per token and layer are in `KVCacheSize`.
public enum AttentionVariant: Sendable, Equatable {
    /// Every query head has its own key/value head.
    case multiHead
    /// Query heads share key/value heads in groups of `groups` (GQA, Ainslie et al. 2023).
    case groupedQuery(groups: Int)
    /// All query heads share one key/value head (MQA, Shazeer 2019).
    case multiQuery
    /// Multi-head latent attention (DeepSeek-V2): keys and values are decompressed from one
    /// `kvLoraRank`-wide latent per token, cached with the `ropeDim` rotary part of the key.
    case multiHeadLatent(kvLoraRank: Int, ropeDim: Int)
    /// A state-space model (Mamba 2): a fixed state per sequence instead of a growing cache: the
    /// convolution's last `convKernel − 1` inputs over `convChannels`, and `stateSize × innerSize`
    /// scan state.
    case stateSpace(convKernel: Int, convChannels: Int, innerSize: Int, stateSize: Int)

    /// The plain variant for `heads` query heads over `kvHeads` key/value heads.
    public init(heads: Int, kvHeads: Int) {
        if kvHeads >= heads { self = .multiHead }
        else if kvHeads == 1 { self = .multiQuery }
        else { self = .groupedQuery(groups: heads / max(1, kvHeads)) }
    }

    public var name: String {
        switch self {
        case .multiHead: return "MHA"
        case .groupedQuery(let groups): return "GQA (\(groups) query heads per KV head)"
        case .multiQuery: return "MQA"
        case .multiHeadLatent(let rank, let rope): return "MLA (latent \(rank) + rope \(rope))"
        case .stateSpace: return "SSM state"
        }
    }
}

/// Layers that attend within a window of `window` past tokens.
public struct SlidingWindow: Sendable, Equatable {
    public var window: Int
    /// Which layers slide (true) and which attend to the whole context (false).
    public var slidingLayers: [Bool]

    /// Every `period`-th layer is global and the rest slide (Gemma 3: period 6, so layers 5, 11, …
    /// are global), or every layer slides when `period` is nil (Mistral).
    public init(window: Int, layers: Int, globalEvery period: Int?) {
        self.window = window
        slidingLayers = (0..<layers).map { l in period.map { l % $0 != $0 - 1 } ?? true }
    }

    public init(window: Int, slidingLayers: [Bool]) {
        self.window = window
        self.slidingLayers = slidingLayers
    }
}

/// A mixture of experts: `count` routed experts of which `used` run per token, plus `shared`
/// always-active ones. (Which layers have experts the tensors say.)
public struct ExpertShape: Sendable, Equatable {
    public var count: Int
    public var used: Int
    public var shared: Int
    public init(count: Int, used: Int, shared: Int = 0) {
        self.count = count
        self.used = used
        self.shared = shared
    }
}
