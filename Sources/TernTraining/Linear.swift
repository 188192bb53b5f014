import TernCKernels
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

/// A float weight that is trained (full fine-tuning): its products run through `PanelGemm`, the
/// plain `Gemm` is their reference. weight: (rows, cols)
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

    private var rowsOfW: PanelGemm.Rows { PanelGemm.inPlace(weight.value, cols: cols) }

    public func forward(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        PanelGemm.forward(rows: rows, cols: cols, rowsOfW, x: x, tokens: tokens, out: out, pool: pool)
    }

    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, pool: ThreadPool) {
        if let dx { PanelGemm.backwardInput(rows: rows, cols: cols, rowsOfW, dy: dy, tokens: tokens, dx: dx, pool: pool) }
        if trainable { PanelGemm.weightGradient(rows: rows, cols: cols, dy: dy, x: x, tokens: tokens, dW: weight.grad, pool: pool) }
    }
}

/// A frozen weight kept in its GGUF type (QLoRA's base): no float copy of the matrix is ever made.
///
/// The forward pass runs either through the inference engine's integer kernels (`integerForward`:
/// activations quantized to 8 bits, as llama.cpp and Tern's inference do: QLoRA's idea, and
/// several times faster), or in float: a block of rows dequantized at a time, laid out in 16-row
/// panels for the register-tiled float kernel (`tern_matmul_f32`), the products PyTorch computes
/// on a dequantized model (the gradient checks use this). The backward pass (the straight-through
/// gradient of the quantized product) is float on the dequantized rows, or, with
/// `integerBackward`, an integer product against Wᵀ kept in Q8_0 (`TransposedQ8`).
/// `DenseLinear` on the dequantized matrix is the plain reference the tests compare with.
public final class FrozenLinear: Linear {
    public let matrix: QuantMatrix
    public let integerForward: Bool
    /// Wᵀ as packed Q8_0, when the input gradient also runs through the integer kernels.
    private let transposed: TransposedQ8?
    public var integerBackward: Bool { transposed != nil }
    public var rows: Int { matrix.rows }
    public var cols: Int { matrix.cols }
    public var parameters: [Parameter] { [] }

    /// `integerBackward` (with a pool to build it) keeps Wᵀ quantized to Q8_0 beside W, about
    /// 1.1 bytes a weight, so dx = dy·W is an integer product too; off (or when W's rows are not
    /// a multiple of 32), dx is taken in float on the dequantized rows.
    public init(_ matrix: QuantMatrix, integerForward: Bool = false, integerBackward: Bool = false, pool: ThreadPool? = nil) {
        self.matrix = matrix
        self.integerForward = integerForward
        transposed = integerBackward ? pool.flatMap { TransposedQ8(matrix, pool: $0) } : nil
    }

    /// out (T, rows) = x · Wᵀ, a block of rows per job.
    public func forward(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        if integerForward {
            return matmul(matrix, x, out, tokens: tokens, pool: pool, scratch: ActivationBuffer(tokens: tokens, cols: cols))
        }
        PanelGemm.forward(rows: rows, cols: cols, dequantized, x: x, tokens: tokens, out: out, pool: pool)
    }

    /// dx (T, cols) += dy · W: dy quantized to 8 bits against Wᵀ in Q8_0, or in float on the
    /// dequantized rows.
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, pool: ThreadPool) {
        guard let dx else { return }
        guard let transposed else {
            return PanelGemm.backwardInput(rows: rows, cols: cols, dequantized, dy: dy, tokens: tokens, dx: dx, pool: pool)
        }
        // Gradients are small (often below 1e-6), and Q8_0 keeps a block's scale in fp16, whose
        // subnormals would round it badly: each token's row is scaled by a power of two to a
        // largest magnitude in [1, 2) first, and the product scaled back (both exact).
        let scaled = UnsafeMutablePointer<Float>.allocate(capacity: tokens * rows), product = UnsafeMutablePointer<Float>.allocate(capacity: tokens * cols)
        var factors = [Float](repeating: 1, count: tokens)
        defer { scaled.deallocate(); product.deallocate() }
        factors.withUnsafeMutableBufferPointer { factors in
            pool.parallelFor(tokens) { range in
                for t in range {  // rows is a multiple of 32 (TransposedQ8)
                    let src = dy + t * rows, dst = scaled + t * rows
                    var m16 = SIMD16<Float>(repeating: 0)
                    for j in stride(from: 0, to: rows, by: 16) { let v = load16(src + j); m16 = max16(m16, max16(v, -v)) }
                    let m = m16.max()
                    let f: Float = m > 0 && m.isFinite ? Float(sign: .plus, exponent: -m.exponent, significand: 1) : 1
                    factors[t] = f
                    for j in stride(from: 0, to: rows, by: 16) { store16(load16(src + j) * f, dst + j) }
                }
            }
        }
        matmul(transposed.matrix, scaled, product, tokens: tokens, pool: pool, scratch: ActivationBuffer(tokens: tokens, cols: rows))
        pool.parallelFor(tokens) { range in
            for t in range { axpy(1 / factors[t], product + t * cols, dx + t * cols, cols) }
        }
    }

    /// A block of rows dequantized into the scratch.
    private var dequantized: PanelGemm.Rows {
        let matrix = matrix, cols = cols
        return { first, count, scratch in
            for r in 0..<count { matrix.dequantize(row: first + r, into: scratch + r * cols) }
            return UnsafePointer(scratch)
        }
    }
}
