/// Tern's decode and prefill speed on this machine, predicted from the model's shapes and the
/// measured `MachineProfile`.
///
/// Decode reads every weight a token passes through once per token: the matrices in the packed
/// form Tern's kernels read (`PlannedTensor.ternBytes`, which asks `tern_packed_bytes`, so a new
/// kernel layout changes the prediction by itself), only the used share of routed experts, one
/// embedding row, the norms, the whole KV cache at the context (an SSM's state read and written
/// back), and the logits written.
/// - The memory roofline divides those bytes by the streaming bandwidth: the speed no decoder
///   on this machine can beat.
/// - Tern's prediction divides each matrix's bytes by the bandwidth its own decode kernel was
///   measured to stream that layout at, for rows of that length, and adds the measured fixed
///   cost of each product (thread handoffs, the stream's start); the rest streams at
///   `MachineProfile.streamingBandwidth`.
/// Prefill is compute-bound: its time per token is the matrix FLOPs at the measured int8 rate of
/// their kernel (Q8_0's, the K-quants' or the ternary types'; F32 matrices at the F32 rate) plus
/// attention's FLOPs over on average half the prompt at the F32 rate.
///
///     let speed = SpeedPrediction(model, machine: profile, context: 64, prompt: 512)
///     speed.decodeTokensPerSecond
public struct SpeedPrediction: Sendable, Codable, Equatable {
    /// The decode context the prediction is for (the cache read per token).
    public let context: Int
    public let decodeBytesPerToken: Double
    /// Of those, the KV cache's.
    public let decodeCacheBytesPerToken: Double
    /// Matrix products per decoded token (each one a job for the thread pool).
    public let decodeProducts: Int
    /// The memory roofline: bytes per token over the streaming bandwidth.
    public let rooflineDecodeTokensPerSecond: Double
    /// Tern's own: each layout at its kernel's measured bandwidth, plus each product's fixed cost.
    public let decodeTokensPerSecond: Double
    /// Prefill of a `prompt`-token prompt.
    public let prompt: Int
    public let prefillFLOPsPerToken: Double
    public let prefillTokensPerSecond: Double
    /// Batched decode of `batch` sequences at `context`: the weights once for all, each
    /// sequence's cache, and compute at the int8 rate when that takes longer. Nil for batch 1.
    public let batch: Int
    public let batchedDecodeTokensPerSecond: Double?

    public init(_ model: ModelDescription, machine: MachineProfile, context: Int, prompt: Int, batch: Int = 1) {
        self.context = context
        self.prompt = prompt
        self.batch = batch
        let share = model.experts.map { Double($0.used) / Double($0.count) } ?? 1
        let kv = KVCacheSize(model)
        // A state-space model reads its state and writes it back every token; a KV cache is read
        // (one new row written).
        let recurrent: Bool = if case .stateSpace = model.attention.variant { true } else { false }
        let cache = Double(kv.bytes(context: context)) * (recurrent ? 2 : 1)
        let logits = 4 * Double(model.vocabulary)

        // Weights one token reads, the time Tern's kernels take to stream them, and the
        // quantized and float multiply-adds.
        var weights = 0.0, routedWeights = 0.0, quantizedOps = 0.0, floatOps = 0.0, lookup = 0.0
        var quantizedSeconds = 0.0  // quantizedOps at their kernels' prefill rates
        var kernelSeconds = 0.0, products = 0
        func stream(_ t: PlannedTensor, _ fraction: Double) {
            let bytes = Double(t.ternBytes) * fraction
            weights += bytes
            // Norms and biases stream as the rest of the non-matrix bytes do.
            guard t.isMatrix else { kernelSeconds += bytes / machine.streamingBandwidth; return }
            kernelSeconds += bytes / machine.decodeBandwidth(layout: MachineProfile.layout(ofType: t.storage.id), cols: t.cols)
        }
        for t in model.tensors where t.part != .constant {
            if t.part == .embedding && t.isMatrix {
                lookup += Double(t.storedBytes) / Double(max(1, t.rows))  // one row per token
                continue
            }
            let routed = t.name.contains("_exps")
            stream(t, routed ? share : 1)
            if routed { routedWeights += Double(t.ternBytes) }
            guard t.isMatrix else { continue }
            products += routed ? model.experts?.used ?? 1 : 1
            guard t.part != .output else { continue }
            let ops = 2 * Double(t.elementCount) * (routed ? share : 1)
            if t.storage.blockSize > 1 {
                quantizedOps += ops
                quantizedSeconds += ops / machine.prefillOpsPerSecond(layout: MachineProfile.layout(ofType: t.storage.id))
            } else {
                floatOps += ops
            }
        }
        // The output projection runs for one position per prompt (and per decoded token).
        var output: PlannedTensor?
        if model.tiedOutput, let embedding = model.tensors.first(where: { $0.part == .embedding && $0.isMatrix && $0.rows == model.vocabulary }) {
            stream(embedding, 1)  // the tied output product reads the (packed) embedding
            products += 1
            output = embedding
        } else {
            output = model.tensors.first { $0.part == .output && $0.isMatrix }
        }
        let outputOps = output.map { 2 * Double($0.elementCount) } ?? 0
        let outputQuantized = (output?.storage.blockSize ?? 1) > 1
        let outputRate = machine.prefillOpsPerSecond(layout: output.flatMap { MachineProfile.layout(ofType: $0.storage.id) })

        decodeCacheBytesPerToken = cache
        decodeBytesPerToken = weights + lookup + cache + logits
        decodeProducts = products
        rooflineDecodeTokensPerSecond = machine.bandwidth / decodeBytesPerToken
        let rest = (lookup + cache + logits) / machine.streamingBandwidth
        decodeTokensPerSecond = 1 / (kernelSeconds + rest + Double(products) * machine.productSeconds)

        // Prefill: causal attention over on average (prompt + 1) / 2 positions (capped by windows).
        var attentionOps = 0.0
        let a = model.attention
        for l in 0..<model.layers {
            let positions = Double(kv.positions(layer: l, context: prompt) + 1) / 2
            switch a.variant {
            case .stateSpace(let kernel, let channels, let inner, let state):
                attentionOps += Double(5 * inner * state + 2 * kernel * channels)
            case .multiHeadLatent(let rank, let rope):
                attentionOps += positions * Double(2 * a.heads * (rank + rope) + 2 * a.heads * rank)
            default:
                attentionOps += positions * Double(2 * a.heads * (a.keyDim + a.valueDim))
            }
        }
        // Only the last prompt position is projected to logits.
        let outputPerToken = outputOps / Double(max(1, prompt))
        prefillFLOPsPerToken = quantizedOps + floatOps + attentionOps + outputPerToken
        let int8 = outputQuantized ? outputPerToken : 0
        let float = floatOps + attentionOps + (outputQuantized ? 0 : outputPerToken)
        prefillTokensPerSecond = 1 / (quantizedSeconds + int8 / outputRate + float / machine.f32FlopsPerSecond)

        if batch > 1 {
            let B = Double(batch)
            let touched = 1 - pow1m(share, batch)
            let bytes = weights - routedWeights * share + routedWeights * touched + lookup * B + (cache + logits) * B
            let int8Ops = outputQuantized ? outputOps : 0
            let floatTotal = floatOps + (outputQuantized ? 0 : outputOps)
            let compute = B * (quantizedSeconds + int8Ops / outputRate + floatTotal / machine.f32FlopsPerSecond)
            let time = max(bytes / machine.bandwidth, compute)
            batchedDecodeTokensPerSecond = B / time
        } else {
            batchedDecodeTokensPerSecond = nil
        }
    }
}

/// (1 − p)^n, the chance that none of n independent tokens picks an expert chosen with probability p.
private func pow1m(_ p: Double, _ n: Int) -> Double {
    var result = 1.0
    for _ in 0..<n { result *= 1 - p }
    return result
}
