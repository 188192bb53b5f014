/// A trainable float tensor and its gradient, the unit that optimizers and checkpoints see.
///
///     let p = Parameter("blk.0.attn_q.lora_a", count: 16 * 640)
///     p.value[0] = 0.1; p.grad[0] += 1; p.zeroGrad()
public final class Parameter: @unchecked Sendable {  // owned by one training loop at a time
    public let name: String
    public let count: Int
    /// The shape in ggml order, innermost first (for export): (cols, rows) for a matrix.
    public let shape: [Int]
    public let value: UnsafeMutablePointer<Float>
    public let grad: UnsafeMutablePointer<Float>

    public init(_ name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
        count = shape.reduce(1, *)
        value = .allocate(capacity: count)
        value.initialize(repeating: 0, count: count)
        grad = .allocate(capacity: count)
        grad.initialize(repeating: 0, count: count)
    }

    public convenience init(_ name: String, count: Int) { self.init(name, shape: [count]) }

    deinit {
        value.deallocate()
        grad.deallocate()
    }

    public func zeroGrad() { grad.update(repeating: 0, count: count) }

    public var values: [Float] { Array(UnsafeBufferPointer(start: value, count: count)) }
    public var grads: [Float] { Array(UnsafeBufferPointer(start: grad, count: count)) }

    public func set(_ values: [Float]) {
        precondition(values.count == count, "\(name): \(values.count) values for \(count) weights")
        values.withUnsafeBufferPointer { value.update(from: $0.baseAddress!, count: count) }
    }
}
