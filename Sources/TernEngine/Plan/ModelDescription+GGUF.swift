import TernGGUF

extension ModelDescription {
    /// How the planner reads each architecture's metadata (llama.cpp's `LLM_KV_*` keys, prefixed
    /// by the architecture name). Adding an architecture is one line here, when it follows one of
    /// these readings.
    enum GGUFReading {
        /// Multi-head attention with optional GQA/MQA, sliding window and experts; `kvHeadsDefault`
        /// when `attention.head_count_kv` is absent (Falcon-7B's multi-query files omit it).
        case transformer(kvHeadsDefault: KVHeadsDefault = .heads)
        /// Gemma 3: as `transformer`, with every sixth layer global and the rest sliding.
        case gemma3
        /// DeepSeek-V2/V3 multi-head latent attention.
        case latent
        /// Mamba 2 state-space layers.
        case stateSpace
    }

    enum KVHeadsDefault { case heads, one }

    static let ggufReadings: [String: GGUFReading] = [
        "gemma3": .gemma3,
        "llama": .transformer(), "bitnet": .transformer(), "qwen2": .transformer(), "qwen3": .transformer(),
        "qwen2moe": .transformer(), "qwen3moe": .transformer(),
        "gpt2": .transformer(), "bloom": .transformer(), "falcon": .transformer(kvHeadsDefault: .one),
        "deepseek2": .latent,
        "mamba2": .stateSpace,
    ]

    /// The architectures `init(gguf:)` reads.
    public static var ggufArchitectures: [String] { ggufReadings.keys.sorted() }

    /// Reads the model a GGUF header describes. Parameter counts come from the tensor infos;
    /// metadata sizes the cache. Throws a one-line `PlanError` for an architecture it does not
    /// know or a missing key.
    public init(gguf header: GGUFHeader) throws {
        guard let arch = header.architecture else {
            throw PlanError("the GGUF header has no general.architecture: not a model file (convert it with llama.cpp's convert_hf_to_gguf.py)")
        }
        guard let reading = Self.ggufReadings[arch] else {
            throw PlanError("unknown architecture '\(arch)': tern plan reads \(Self.ggufArchitectures.joined(separator: ", ")); "
                            + "plan a model of one of these, or its Hugging Face config.json")
        }
        let meta = Metadata(header: header, prefix: arch)
        let tensors = header.tensors.map { PlannedTensor(name: $0.name, shape: $0.shape, storage: $0.traits) }
        let dim = try meta.int("embedding_length"), layers = try meta.int("block_count")
        let embedding = header.tensor(named: "token_embd.weight")
        let vocabulary = embedding.flatMap { $0.shape.count == 2 ? $0.shape[1] : nil } ?? meta.optional("vocab_size") ?? 0

        var attention: AttentionShape
        var sliding: SlidingWindow?
        switch reading {
        case .transformer, .gemma3:
            let heads = try meta.int("attention.head_count")
            var kvDefault = heads
            if case .transformer(.one) = reading { kvDefault = 1 }
            let kvHeads = meta.optional("attention.head_count_kv") ?? kvDefault
            let keyDim = meta.optional("attention.key_length") ?? dim / heads
            attention = AttentionShape(heads: heads, kvHeads: kvHeads, keyDim: keyDim,
                                       valueDim: meta.optional("attention.value_length") ?? keyDim)
            if case .gemma3 = reading {
                // llama.cpp's gemma3 sets the pattern in code (5 local : 1 global); Tern's
                // Gemma3.isSliding agrees, and defaults the window to 512 as the 270M–27B models use.
                sliding = SlidingWindow(window: meta.optional("attention.sliding_window") ?? 512, layers: layers, globalEvery: 6)
            } else if let window = meta.optional("attention.sliding_window"), window > 0 {
                sliding = SlidingWindow(window: window, layers: layers, globalEvery: nil)
            }
        case .latent:
            let heads = try meta.int("attention.head_count")
            let rank = try meta.int("attention.kv_lora_rank")
            let rope = try meta.int("rope.dimension_count")
            // Current converters write the absorbed (MQA) form: key_length = rank + rope, and the
            // per-head widths as key_length_mla / value_length_mla; older files only the latter
            // as key_length / value_length.
            let keyDim = try meta.optional("attention.key_length_mla") ?? meta.int("attention.key_length")
            let valueDim = try meta.optional("attention.value_length_mla") ?? meta.int("attention.value_length")
            attention = AttentionShape(heads: heads, kvHeads: heads, keyDim: keyDim, valueDim: valueDim,
                                       variant: .multiHeadLatent(kvLoraRank: rank, ropeDim: rope))
        case .stateSpace:
            let inner = try meta.int("ssm.inner_size"), state = try meta.int("ssm.state_size")
            let groups = meta.optional("ssm.group_count") ?? 1
            // Mamba 2 convolves x, B and C (llama.cpp's conv_dim = d_inner + 2·n_group·d_state).
            let channels = inner + 2 * groups * state
            let heads = try meta.int("ssm.time_step_rank")
            attention = AttentionShape(heads: heads, kvHeads: 0, keyDim: 0, valueDim: 0,
                                       variant: .stateSpace(convKernel: try meta.int("ssm.conv_kernel"), convChannels: channels,
                                                            innerSize: inner, stateSize: state))
        }

        var experts: ExpertShape?
        if let count = meta.optional("expert_count"), count > 0 {
            let used = try meta.int("expert_used_count")
            let shared = meta.optional("expert_shared_count")
                ?? (tensors.contains { $0.name.hasSuffix("ffn_up_shexp.weight") } ? 1 : 0)
            experts = ExpertShape(count: count, used: used, shared: shared)
        }
        // Mamba 2 converters write an arbitrary 2^20 as the context length: an SSM has none.
        let context: Int? = if case .stateSpace = reading { nil } else { meta.optional("context_length") }
        self.init(architecture: arch, layers: layers, dim: dim, vocabulary: vocabulary,
                  contextLength: context, attention: attention, slidingWindow: sliding,
                  experts: experts, tensors: tensors)
        fileBytes = header.fileSize
        hasAllData = header.hasAllData
    }
}

/// `<arch>.<key>` lookups with one-line errors.
private struct Metadata {
    let header: GGUFHeader
    let prefix: String

    func optional(_ key: String) -> Int? {
        guard let value = header.metadata["\(prefix).\(key)"] else { return nil }
        // A per-layer array (some converters write head counts per layer): the widest layer.
        if let values = value.array { return values.compactMap(\.int).max() }
        return value.int
    }

    func int(_ key: String) throws -> Int {
        guard let value = optional(key) else {
            throw PlanError("the GGUF header lacks \(prefix).\(key): re-convert the model with a current llama.cpp")
        }
        guard value > 0 else { throw PlanError("the GGUF header's \(prefix).\(key) is \(value), expected a positive number") }
        return value
    }
}
