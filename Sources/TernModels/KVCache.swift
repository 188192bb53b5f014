import TernCKernels

/// Keys and values of past positions for every layer of one sequence.
///
/// Layer l stores K and V as (capacity, kvDim) elements, row p holding position p, in half
/// precision (IEEE bit patterns, llama.cpp's default F16 cache) or in float. `count` is how many
/// positions are filled; setting it lower (e.g. to 0) discards the tail, which is how a fresh
/// context or a rewind is made without reallocating. With `valuesAreKeys` (multi-head latent
/// attention, where the value is a part of the cached key row) only keys are stored and the
/// value rows are the key rows.
///
/// A recurrent model (Mamba2) keeps a fixed-size state per layer instead (`stateFloats` floats,
/// `state(layer:)`), whatever the length: `count` still counts positions, but the state cannot go
/// back, so setting `count` lower is only possible to 0, which clears it (see `canRewind`).
public final class KVCache {
    public let layers: Int
    public let capacity: Int
    public let kvDim: Int
    public let halfPrecision: Bool
    public let valuesAreKeys: Bool
    /// Floats of recurrent state per layer (0 for an attention cache).
    public let stateFloats: Int
    public var count: Int = 0 {
        didSet {
            guard stateFloats > 0, !adopting, count != oldValue else { return }
            precondition(count == 0 || count > oldValue, "a recurrent state can go back only to the start")
            if count == 0 { states.update(repeating: 0, count: layers * stateFloats) }
        }
    }
    /// A forked sequence reads positions below `baseCount` from `base` (the prompt they all share)
    /// instead of holding a copy; its own rows start at `baseCount`. `base` must not change while
    /// this cache is in use.
    public private(set) var base: KVCache?
    public private(set) var baseCount = 0
    private let keys: UnsafeMutableRawPointer    // (layers, capacity, kvDim); rows < baseCount unused
    private let values: UnsafeMutableRawPointer  // (layers, capacity, kvDim)
    private let states: UnsafeMutablePointer<Float>  // (layers, stateFloats)
    private var adopting = false  // copying another cache's state and length: no checks, no clearing

    public init(layers: Int, capacity: Int, kvDim: Int, halfPrecision: Bool = true, valuesAreKeys: Bool = false,
                stateFloats: Int = 0) {
        self.layers = layers
        self.capacity = capacity
        self.kvDim = kvDim
        self.halfPrecision = halfPrecision
        self.valuesAreKeys = valuesAreKeys
        self.stateFloats = stateFloats
        states = .allocate(capacity: max(1, layers * stateFloats))
        states.initialize(repeating: 0, count: max(1, layers * stateFloats))
        // Not zero-filled: only rows < count are ever read, and untouched pages cost no memory.
        let bytes = layers * capacity * kvDim * (halfPrecision ? 2 : 4)
        keys = .allocate(byteCount: bytes, alignment: 64)
        values = valuesAreKeys ? keys : .allocate(byteCount: bytes, alignment: 64)
    }

    /// A cache that continues `base`'s filled positions without copying them (a recurrent state,
    /// being small, is copied).
    public convenience init(sharing base: KVCache, capacity: Int) {
        precondition(base.base == nil && base.count <= capacity)
        self.init(layers: base.layers, capacity: capacity, kvDim: base.kvDim, halfPrecision: base.halfPrecision,
                  valuesAreKeys: base.valuesAreKeys, stateFloats: base.stateFloats)
        if stateFloats > 0 {
            states.update(from: base.states, count: layers * stateFloats)
            adopting = true
        } else {
            self.base = base
            baseCount = base.count
        }
        count = base.count
        adopting = false
    }

    /// Whether `count` can be set to `n`: always for attention; for a recurrent state only to 0
    /// or to where it is.
    public func canRewind(to n: Int) -> Bool { stateFloats == 0 || n == 0 || n == count }

    /// Layer l's recurrent state (`stateFloats` floats).
    @inline(__always)
    public func state(layer l: Int) -> UnsafeMutablePointer<Float> { states + l * stateFloats }

    deinit {
        keys.deallocate()
        if !valuesAreKeys { values.deallocate() }
        states.deallocate()
    }

    public var elementBytes: Int { halfPrecision ? 2 : 4 }
    public var remaining: Int { capacity - count }
    public var bytes: Int { (valuesAreKeys ? 1 : 2) * layers * capacity * kvDim * elementBytes + 4 * layers * stateFloats }

    /// K rows of layer l: (capacity, kvDim) elements.
    @inline(__always)
    public func keys(layer l: Int) -> UnsafeMutableRawPointer { keys + l * capacity * kvDim * elementBytes }

    /// V rows of layer l: (capacity, kvDim) elements.
    @inline(__always)
    public func values(layer l: Int) -> UnsafeMutableRawPointer { values + l * capacity * kvDim * elementBytes }

    /// Copies the filled positions of `other` (same shape) into this cache and sets `count` to match;
    /// positions `other` reads from a shared base are shared, not copied.
    public func copyPrefix(of other: KVCache) {
        precondition(other.layers == layers && other.kvDim == kvDim && other.halfPrecision == halfPrecision
                     && other.valuesAreKeys == valuesAreKeys && other.stateFloats == stateFloats && other.count <= capacity)
        if stateFloats > 0 {
            states.update(from: other.states, count: layers * stateFloats)
            adopting = true
            count = other.count
            adopting = false
            return
        }
        base = other.base
        baseCount = other.baseCount
        let start = baseCount * kvDim * elementBytes, rowBytes = (other.count - baseCount) * kvDim * elementBytes
        for l in 0..<layers {
            (keys(layer: l) + start).copyMemory(from: other.keys(layer: l) + start, byteCount: rowBytes)
            if !valuesAreKeys { (values(layer: l) + start).copyMemory(from: other.values(layer: l) + start, byteCount: rowBytes) }
        }
        count = other.count
    }

    /// Stores the key and value rows (kvDim floats each) of `position` in layer l (the key only
    /// when `valuesAreKeys`).
    public func store(layer l: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        assert(position >= baseCount, "a shared base position is read-only")
        let offset = position * kvDim * elementBytes
        if halfPrecision {
            tern_f32_to_f16(key, (keys(layer: l) + offset).assumingMemoryBound(to: UInt16.self), Int64(kvDim))
            if !valuesAreKeys { tern_f32_to_f16(value, (values(layer: l) + offset).assumingMemoryBound(to: UInt16.self), Int64(kvDim)) }
        } else {
            (keys(layer: l) + offset).copyMemory(from: key, byteCount: kvDim * 4)
            if !valuesAreKeys { (values(layer: l) + offset).copyMemory(from: value, byteCount: kvDim * 4) }
        }
    }

    /// out = softmax(q·Kᵀ)·V over positions first...last for `heads` query heads (q, out:
    /// (heads, headDim)) that share KV head `kvHead` of layer l. Rows of a shared base are read in
    /// place, in the same pass, so the result is exactly that of one cache holding every row.
    /// `alibi`: one slope per head (ALiBi: head h's score for position j gets slope·(j − last)).
    public func attend(layer l: Int, kvHead: Int, headDim: Int, heads: Int, query q: UnsafePointer<Float>,
                       positions: ClosedRange<Int>, alibi: UnsafePointer<Float>? = nil, out: UnsafeMutablePointer<Float>) {
        let offset = kvHead * headDim * elementBytes
        let k = keys(layer: l) + offset, v = values(layer: l) + offset
        let ks = (base?.keys(layer: l)).map { $0 + offset } ?? k, vs = (base?.values(layer: l)).map { $0 + offset } ?? v
        let first = Int64(positions.lowerBound), last = Int64(positions.upperBound), shared = Int64(baseCount)
        if halfPrecision {
            tern_attend_f16(q, Int64(heads), k.assumingMemoryBound(to: UInt16.self), v.assumingMemoryBound(to: UInt16.self),
                            ks.assumingMemoryBound(to: UInt16.self), vs.assumingMemoryBound(to: UInt16.self), shared,
                            Int64(kvDim), first, last, Int64(headDim), alibi, out)
        } else {
            tern_attend_f32(q, Int64(heads), k.assumingMemoryBound(to: Float.self), v.assumingMemoryBound(to: Float.self),
                            ks.assumingMemoryBound(to: Float.self), vs.assumingMemoryBound(to: Float.self), shared,
                            Int64(kvDim), first, last, Int64(headDim), alibi, out)
        }
    }
}
