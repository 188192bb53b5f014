/// Keys and values of past positions for every layer of one sequence.
///
/// Layer l stores K and V as (capacity, kvDim) floats, row p holding position p. `count` is how many
/// positions are filled; setting it lower (e.g. to 0) discards the tail, which is how a fresh context
/// or a rewind is made without reallocating.
public final class KVCache {
    public let layers: Int
    public let capacity: Int
    public let kvDim: Int
    public var count: Int = 0
    private let keys: UnsafeMutablePointer<Float>    // (layers, capacity, kvDim)
    private let values: UnsafeMutablePointer<Float>  // (layers, capacity, kvDim)

    public init(layers: Int, capacity: Int, kvDim: Int) {
        self.layers = layers
        self.capacity = capacity
        self.kvDim = kvDim
        // Not zero-filled: only rows < count are ever read, and untouched pages cost no memory.
        keys = .allocate(capacity: layers * capacity * kvDim)
        values = .allocate(capacity: layers * capacity * kvDim)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// K rows of layer l: (capacity, kvDim)
    @inline(__always)
    public func keys(layer l: Int) -> UnsafeMutablePointer<Float> { keys + l * capacity * kvDim }

    /// V rows of layer l: (capacity, kvDim)
    @inline(__always)
    public func values(layer l: Int) -> UnsafeMutablePointer<Float> { values + l * capacity * kvDim }

    public var remaining: Int { capacity - count }
}
