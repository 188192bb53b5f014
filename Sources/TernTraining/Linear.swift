import TernKernels

/// A linear layer y = x·Wᵀ as training sees it: W is (rows, cols), x (T, cols), y (T, rows).
/// `backward` gives the input's gradient and accumulates the weights' own when they are trained.
public protocol Linear: AnyObject {
    var rows: Int { get }  // out features
    var cols: Int { get }  // in features
    /// out (T, rows) = x (T, cols) · Wᵀ
    func forward(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>, pool: ThreadPool)
    /// dx (T, cols) += dy (T, rows) · W when `dx` is given; trainable weights also do dW += dyᵀ · x.
    func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int,
                  dx: UnsafeMutablePointer<Float>?, pool: ThreadPool)
    /// What an optimizer updates (empty for a frozen layer).
    var parameters: [Parameter] { get }
}

/// A float weight that is trained (full fine-tuning). weight: (rows, cols)
public final class DenseLinear: Linear {
    public let rows: Int, cols: Int
    public let weight: Parameter
    public let trainable: Bool

    public init(_ weight: Parameter, rows: Int, cols: Int, trainable: Bool = true) {
        precondition(weight.count == rows * cols)
        self.weight = weight
        self.rows = rows
        self.cols = cols
        self.trainable = trainable
    }

    public var parameters: [Parameter] { trainable ? [weight] : [] }

    public func forward(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        Gemm.abt(x, weight.value, out, m: tokens, n: rows, k: cols, pool: pool)
    }

    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, pool: ThreadPool) {
        if let dx { Gemm.ab(dy, weight.value, dx, m: tokens, n: cols, k: rows, accumulate: true, pool: pool) }
        if trainable { Gemm.atb(dy, x, weight.grad, m: rows, n: cols, k: tokens, accumulate: true, pool: pool) }
    }
}

/// A frozen weight kept in its GGUF type (QLoRA's base): no float copy of the matrix is ever made.
/// Both passes dequantize a block of rows at a time into a small buffer, so products are exact
/// float products of the dequantized weights, as PyTorch computes them on a dequantized model.
public final class FrozenLinear: Linear {
    public let matrix: QuantMatrix
    public var rows: Int { matrix.rows }
    public var cols: Int { matrix.cols }
    public var parameters: [Parameter] { [] }
    /// Rows dequantized together.
    static let block = 64

    public init(_ matrix: QuantMatrix) { self.matrix = matrix }

    public func forward(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let cols = self.cols, rows = self.rows, block = Self.block
        pool.parallelFor((rows + block - 1) / block) { range in
            let w = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            defer { w.deallocate() }
            for b in range {
                let r0 = b * block, n = min(block, rows - r0)
                for r in 0..<n { matrix.dequantize(row: r0 + r, into: w + r * cols) }
                for t in 0..<tokens {
                    for r in 0..<n { out[t * rows + r0 + r] = dot(x + t * cols, w + r * cols, cols) }
                }
            }
        }
    }

    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, pool: ThreadPool) {
        guard let dx else { return }
        let cols = self.cols, rows = self.rows, block = Self.block
        // Each thread owns a range of tokens and reads all rows: no two threads write one dx row.
        let parts = max(1, min(tokens, pool.threads))
        pool.parallelFor(parts) { range in
            let w = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            defer { w.deallocate() }
            for part in range {
                let t0 = tokens * part / parts, t1 = tokens * (part + 1) / parts
                for r0 in stride(from: 0, to: rows, by: block) {
                    let n = min(block, rows - r0)
                    for r in 0..<n { matrix.dequantize(row: r0 + r, into: w + r * cols) }
                    for t in t0..<t1 {
                        for r in 0..<n { axpy(dy[t * rows + r0 + r], w + r * cols, dx + t * cols, cols) }
                    }
                }
            }
        }
    }
}
