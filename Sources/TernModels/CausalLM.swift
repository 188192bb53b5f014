import TernKernels

/// A decoder-only language model: tokens in, next-token logits out.
///
/// The model is immutable and shared; all per-sequence state (KV cache and activation buffers)
/// lives in a `ModelState` that one owner mutates.
///
///     let model = try ModelRegistry.load(file)
///     let state = model.makeState(contextSize: 4096, maxBatch: 512)
///     model.forward(tokens[...], state: state, hidden: hidden)   // hidden: (T, hiddenSize)
///     model.logits(hidden + (T - 1) * model.hiddenSize, rows: 1, state: state, out: logits)
public protocol CausalLM: AnyObject, Sendable {
    var architecture: String { get }
    var hiddenSize: Int { get }
    var vocabularySize: Int { get }
    /// The longest context the model was trained for.
    var contextLength: Int { get }
    var pool: ThreadPool { get }

    func makeState(contextSize: Int, maxBatch: Int, numerics: Numerics) -> ModelState

    /// Runs `tokens` at positions `state.cache.count ..< state.cache.count + T`, appends their keys
    /// and values to the cache, and writes the final normalised hidden states to `hidden` (T, hiddenSize).
    /// The caller guarantees T ≤ maxBatch and that the cache has room.
    func forward(_ tokens: ArraySlice<Int>, state: ModelState, hidden: UnsafeMutablePointer<Float>)

    /// Runs several sequences' new tokens in one pass: each segment's tokens go to its cache from
    /// the cache's current length on (forked sequences reading the rest of their own prompts).
    /// `hidden` gets the rows in segment order; the total T ≤ `scratch`'s maxBatch.
    func forward(segments: [(tokens: ArraySlice<Int>, cache: KVCache)], scratch: ModelState, hidden: UnsafeMutablePointer<Float>)

    /// Runs one token for each of several sequences at once (batched decode): token i goes to
    /// `caches[i]` at position `caches[i].count`, and every cache grows by one. The matrix products
    /// read each weight once for the whole batch. `scratch` supplies the buffers (its maxBatch ≥
    /// tokens.count); its own cache is not touched unless it is one of `caches`.
    func forward(batch tokens: [Int], caches: [KVCache], scratch: ModelState, hidden: UnsafeMutablePointer<Float>)

    /// Projects `rows` hidden states (rows, hiddenSize) to logits (rows, vocabularySize), using
    /// `state`'s scratch; rows ≤ maxBatch.
    func logits(_ hidden: UnsafePointer<Float>, rows: Int, state: ModelState, out: UnsafeMutablePointer<Float>)

    /// This model with `adapters` (LoRA) in its forward pass instead of its own, sharing its weights.
    func adapted(_ adapters: [LoRAAdapter]) throws -> any CausalLM
}

extension CausalLM {
    /// State with llama.cpp's numerics (F16 KV cache, GELU table).
    public func makeState(contextSize: Int, maxBatch: Int) -> ModelState {
        makeState(contextSize: contextSize, maxBatch: maxBatch, numerics: .llamaCpp)
    }
}

/// Mutable per-sequence state: the KV cache plus activation scratch sized for `maxBatch` tokens.
public final class ModelState {
    public let cache: KVCache
    public let maxBatch: Int
    public let numerics: Numerics
    let scratch: Scratch
    let activations: ActivationBuffer  // quantized matmul inputs

    init(cache: KVCache, maxBatch: Int, numerics: Numerics, scratch: Scratch, activations: ActivationBuffer) {
        self.cache = cache
        self.maxBatch = maxBatch
        self.numerics = numerics
        self.scratch = scratch
        self.activations = activations
    }
}

/// One allocation cut into named float buffers, so the forward pass allocates nothing per token.
final class Scratch {
    private let base: UnsafeMutablePointer<Float>
    private var offsets: [Int] = []

    init(sizes: [Int]) {
        var total = 0
        for s in sizes { offsets.append(total); total += (s + 15) / 16 * 16 }  // 64-byte aligned slices
        base = .allocate(capacity: max(total, 1))
        base.initialize(repeating: 0, count: max(total, 1))
    }

    deinit { base.deallocate() }

    subscript(_ i: Int) -> UnsafeMutablePointer<Float> { base + offsets[i] }
}
