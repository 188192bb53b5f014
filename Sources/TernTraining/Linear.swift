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
    /// Rows dequantized together (a multiple of 16, the panel height).
    static let block = 64

    public init(_ matrix: QuantMatrix, integerForward: Bool = false) {
        self.matrix = matrix
        self.integerForward = integerForward
    }

    /// out (T, rows) = x · Wᵀ, a block of rows per job.
    public func forward(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        if integerForward {
            return matmul(matrix, x, out, tokens: tokens, pool: pool, scratch: ActivationBuffer(tokens: tokens, cols: cols))
        }
        let cols = self.cols, rows = self.rows, block = Self.block
        pool.parallelFor((rows + block - 1) / block) { range in
            let w = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            let panels = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            defer { w.deallocate(); panels.deallocate() }
            for b in range {
                let r0 = b * block, n = min(block, rows - r0)
                for r in 0..<n { matrix.dequantize(row: r0 + r, into: w + r * cols) }
                tern_pack_f32(w, Int64(n), Int64(cols), panels)
                tern_matmul_f32(panels, Int64(n), 0, Int64((n + 15) / 16), Int64(cols), x, Int64(tokens), out + r0, Int64(rows))
            }
        }
    }

    /// dx (T, cols) += dy · W. Each thread owns a range of tokens and reads every block of rows, so
    /// no two threads write one row of dx; a block's transpose is packed straight from its rows.
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, pool: ThreadPool) {
        guard let dx else { return }
        let cols = self.cols, rows = self.rows, block = Self.block, colPanels = (cols + 15) / 16
        let parts = max(1, min(tokens, pool.threads))
        pool.parallelFor(parts) { range in
            let w = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            let panels = UnsafeMutablePointer<Float>.allocate(capacity: colPanels * 16 * block)
            let part = tokens / parts + 1
            let dyBlock = UnsafeMutablePointer<Float>.allocate(capacity: part * block)
            let sum = UnsafeMutablePointer<Float>.allocate(capacity: part * cols)
            defer { w.deallocate(); panels.deallocate(); dyBlock.deallocate(); sum.deallocate() }
            for p in range {
                let t0 = tokens * p / parts, t1 = tokens * (p + 1) / parts, T = t1 - t0
                for r0 in stride(from: 0, to: rows, by: block) {
                    let n = min(block, rows - r0)
                    for r in 0..<n { matrix.dequantize(row: r0 + r, into: w + r * cols) }
                    // Panels of Wᵀ (cols × n): panel q holds columns 16q..<16q+16 of each row, contiguous.
                    for q in 0..<colPanels {
                        let c0 = 16 * q, width = min(16, cols - c0)
                        for j in 0..<n {
                            let dst = panels + (q * n + j) * 16
                            dst.update(from: w + j * cols + c0, count: width)
                            if width < 16 { (dst + width).update(repeating: 0, count: 16 - width) }
                        }
                    }
                    for t in 0..<T { (dyBlock + t * n).update(from: dy + (t0 + t) * rows + r0, count: n) }
                    tern_matmul_f32(panels, Int64(cols), 0, Int64(colPanels), Int64(n), dyBlock, Int64(T), sum, Int64(cols))
                    add(sum, into: dx + t0 * cols, T * cols)
                }
            }
        }
    }
}
