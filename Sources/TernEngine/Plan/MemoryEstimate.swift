/// Memory to hold a model for inference and to train it, from its parameter count, its tensors
/// and its cache.
///
/// Inference: the weights at common widths (bytes per parameter × parameters), the file's own
/// size, what Tern holds after packing, and the cache; the rule of thumb that serving takes about
/// 1.2× the weights (activations, buffers, fragmentation) sits beside Tern's own estimate and,
/// in docs/PLAN.md, Tern's measured peak RSS.
///
/// Training, in F32 as Tern trains: full fine-tuning keeps weights, gradients and AdamW's two
/// moments (4 + 4 + 8 bytes per parameter, the "16 bytes per parameter" of mixed-precision
/// training too: 2 + 2 + 4 master + 8); LoRA keeps the frozen base at its stored (quantized) size and
/// 16 bytes per adapter parameter. Both need the activations the backward pass reads, counted as
/// Tern's trainer keeps them, with what a plain implementation would keep beside them.
///
///     let memory = MemoryEstimate(model, context: 2048, batch: 1, loraRank: 16)
///     memory.weights[.bf16]          // 2 bytes × parameters
///     memory.fullFineTuning.total
public struct MemoryEstimate: Sendable {
    /// Widths a parameter is commonly stored at, with their bytes per parameter.
    public enum Width: String, CaseIterable, Codable, Sendable {
        case fp32, fp16, bf16, int8, q4
        public var bytesPerParameter: Double {
            switch self {
            case .fp32: return 4
            case .fp16, .bf16: return 2
            case .int8: return 1
            case .q4: return 0.5
            }
        }
    }

    /// One training configuration's memory, in bytes.
    public struct Training: Sendable, Codable, Equatable {
        /// Trainable parameters (all of them, or the adapters').
        public let trainableParameters: Int
        /// Weights held: F32 trainable weights, plus a LoRA run's frozen base.
        public let weights: Int
        public let gradients: Int
        /// AdamW's first and second moments, F32 each.
        public let optimizer: Int
        /// What Tern's trainer keeps for the backward pass (see `activationBytes(_:tokens:context:fused:)`).
        public let activations: Int
        /// What a plain implementation keeps: the T × V logits and the attention probabilities too.
        public let plainActivations: Int
        /// Weights, gradients, optimizer state and (Tern's) activations; stored so JSON carries it.
        public let total: Int

        public init(trainableParameters: Int, weights: Int, gradients: Int, optimizer: Int, activations: Int, plainActivations: Int) {
            self.trainableParameters = trainableParameters
            self.weights = weights
            self.gradients = gradients
            self.optimizer = optimizer
            self.activations = activations
            self.plainActivations = plainActivations
            total = weights + gradients + optimizer + activations
        }
    }

    public let weights: [Width: Int]
    /// Bytes of the weights as stored (the GGUF's quantized size; config.json's checkpoint type).
    public let storedWeights: Int
    /// Bytes Tern holds for the weights once loaded (packed forms; see `PlannedTensor.ternBytes`).
    public let ternWeights: Int
    /// The KV cache (or SSM state) of `batch` sequences of `context` tokens.
    public let cache: Int
    /// 1.2 × the stored weights: the serving rule of thumb.
    public let ruleOfThumb: Int
    /// Tern's estimate: its weights plus the cache (its activation buffers and tokenizer are
    /// small beside them; docs/PLAN.md sets this against measured peak RSS).
    public let ternInference: Int
    public let fullFineTuning: Training
    public let lora: Training
    public let loraRank: Int

    public init(_ model: ModelDescription, context: Int, batch: Int, loraRank: Int) {
        let count = ParameterCount(model)
        weights = Dictionary(uniqueKeysWithValues: Width.allCases.map { ($0, Int((Double(count.total) * $0.bytesPerParameter).rounded())) })
        storedWeights = model.tensors.reduce(0) { $0 + $1.storedBytes }
        ternWeights = model.tensors.reduce(0) { $0 + $1.ternBytes }
        cache = KVCacheSize(model).bytes(context: context) * batch
        ruleOfThumb = Int((Double(storedWeights) * 1.2).rounded())
        ternInference = ternWeights + cache
        self.loraRank = loraRank

        let activations = Self.activationBytes(model, tokens: context * batch, context: context, fused: true)
        let plain = Self.activationBytes(model, tokens: context * batch, context: context, fused: false)
        fullFineTuning = Training(trainableParameters: count.total, weights: 4 * count.total, gradients: 4 * count.total,
                                  optimizer: 8 * count.total, activations: activations, plainActivations: plain)
        let adapters = Self.loraParameters(model, rank: loraRank)
        lora = Training(trainableParameters: adapters, weights: storedWeights + 4 * adapters, gradients: 4 * adapters,
                        optimizer: 8 * adapters, activations: activations, plainActivations: plain)
    }

    /// Adapter parameters of rank r on every projection of the attention (or SSM) and dense MLP
    /// blocks, r·(in + out) per matrix (per stacked matrix for MLA's per-head factors), as Tern's
    /// default targets q, k, v, o, gate, up, down. Routed experts, the router, embedding and
    /// output stay frozen.
    public static func loraParameters(_ model: ModelDescription, rank: Int) -> Int {
        model.tensors.reduce(0) { sum, t in
            guard t.isMatrix, [.attention, .ssm, .mlp].contains(t.part) else { return sum }
            return sum + t.stacked * rank * (t.rows + t.cols)
        }
    }

    /// Activations a backward pass reads, in F32, for `tokens` tokens in sequences of `context`.
    ///
    /// Per layer and token: the two residual inputs and their normalised copies (4C); Q, K, V and
    /// the attention output (H·Dk + Hkv·(Dk + Dv) + H·Dv); the MLP's up-projection width three
    /// times when gated (gate, up, their product) or twice when not, counting only the experts a
    /// token uses; for an SSM, its in-projection, convolution output and gated output. Plus the
    /// final norm's input and output.
    /// - `fused: false`, a plain implementation: the attention probabilities, H·context per token,
    ///   and the logits, V per token.
    /// - `fused: true`, as Tern trains: attention keeps one log-sum-exp per head and token and
    ///   recomputes the probabilities in the backward (`TrainingAttention`); the loss projects 128
    ///   tokens at a time and never holds the T × V logits (`FusedCrossEntropy`), so one 128 × V
    ///   block counts once.
    public static func activationBytes(_ model: ModelDescription, tokens: Int, context: Int, fused: Bool) -> Int {
        let a = model.attention, C = model.dim
        var perToken = 2 * C + (fused ? 0 : model.vocabulary)
        for l in 0..<model.layers {
            perToken += 4 * C
            switch a.variant {
            case .stateSpace(_, let channels, let inner, _):
                let inProjection = model.tensors.first { $0.name == "blk.\(l).ssm_in.weight" }?.rows ?? 0
                perToken += inProjection + channels + 2 * inner
            default:
                perToken += a.heads * a.keyDim + a.kvHeads * (a.keyDim + a.valueDim) + a.heads * a.valueDim
                perToken += a.heads * (fused ? 1 : context)
            }
            perToken += mlpActivations(model, layer: l)
        }
        return 4 * (perToken * tokens + (fused ? 128 * model.vocabulary : 0))
    }

    /// The MLP's saved widths in layer l for one token, read off its up-projections.
    private static func mlpActivations(_ model: ModelDescription, layer l: Int) -> Int {
        let prefix = "blk.\(l).ffn_"
        var width = 0, router = 0, gated = false
        for t in model.tensors where t.name.hasPrefix(prefix) {
            let role = t.name.dropFirst(prefix.count)
            if role.hasPrefix("gate.") || role.hasPrefix("gate_exps") || role.hasPrefix("gate_shexp.") { gated = true }
            if role == "up.weight" || role == "up_shexp.weight" { width += t.rows }
            if role == "up_exps.weight" { width += t.rows * (model.experts?.used ?? 1) }
            if role == "gate_inp.weight" { router += t.rows }  // the router's logits
        }
        return (gated ? 3 : 2) * width + router
    }
}
