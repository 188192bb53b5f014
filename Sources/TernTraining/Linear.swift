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
/// on a dequantized model (the gradient checks use this). The backward pass is always the float
/// one, with the transposed blocks: the straight-through gradient of the quantized product.
/// `DenseLinear` on the dequantized matrix is the plain reference the tests compare with.
public final class FrozenLinear: Linear {
    public let matrix: QuantMatrix
    public let integerForward: Bool
    public var rows: Int { matrix.rows }
    public var cols: Int { matrix.cols }
    public var parameters: [Parameter] { [] }

    public init(_ matrix: QuantMatrix, integerForward: Bool = false) {
        self.matrix = matrix
        self.integerForward = integerForward
    }

    /// out (T, rows) = x · Wᵀ, a block of rows per job.
    public func forward(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        if integerForward {
            return matmul(matrix, x, out, tokens: tokens, pool: pool, scratch: ActivationBuffer(tokens: tokens, cols: cols))
        }
        PanelGemm.forward(rows: rows, cols: cols, dequantized, x: x, tokens: tokens, out: out, pool: pool)
    }

    /// dx (T, cols) += dy · W, on the dequantized rows.
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, pool: ThreadPool) {
        guard let dx else { return }
        PanelGemm.backwardInput(rows: rows, cols: cols, dequantized, dy: dy, tokens: tokens, dx: dx, pool: pool)
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
