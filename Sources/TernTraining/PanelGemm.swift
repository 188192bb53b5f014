import TernCKernels
import TernKernels

/// A linear layer's three float products through the register-tiled float kernel
/// (`tern_matmul_f32` on 16-row panels), for any weight that can hand over a block of its rows:
/// a frozen GGUF matrix dequantizes them (`FrozenLinear`), a trained float weight points at them
/// (`DenseLinear`). `Gemm` is the plain reference these are tested against.
///
///     forward      y  = x · Wᵀ      (T, rows)
///     input grad   dx += dy · W     (T, cols)
///     weight grad  dW += dyᵀ · x    (rows, cols)
enum PanelGemm {
    /// Rows first..<first+count of W (count × cols, row-major): written into `scratch` (room for
    /// the block's rows), or a pointer straight into W.
    typealias Rows = (_ first: Int, _ count: Int, _ scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>

    /// The rows of a float matrix (rows, cols) where they are: nothing to copy.
    static func inPlace(_ w: UnsafePointer<Float>, cols: Int) -> Rows {
        { first, _, _ in w + first * cols }
    }

    /// Rows handled together (a multiple of 16, the panel height).
    static let block = 64
    /// In the input gradient a block is the inner dimension of one kernel call, whose whole
    /// (T, cols) product is then added up: 256 rows keep that traffic small next to the arithmetic
    /// (when the matrix has enough rows to give every thread a block).
    static let backwardBlock = 256

    /// out (T, rows) = x · Wᵀ, a block of rows per job.
    static func forward(rows: Int, cols: Int, _ read: Rows, x: UnsafePointer<Float>, tokens: Int,
                        out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        pool.parallelFor((rows + block - 1) / block) { range in
            let w = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            let panels = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            defer { w.deallocate(); panels.deallocate() }
            for b in range {
                let r0 = b * block, n = min(block, rows - r0)
                tern_pack_f32(read(r0, n, w), Int64(n), Int64(cols), panels)
                tern_matmul_f32(panels, Int64(n), 0, Int64((n + 15) / 16), Int64(cols), x, Int64(tokens), out + r0, Int64(rows))
            }
        }
    }

    /// dx (T, cols) += dy · W. Each part takes its own blocks of rows (so W is read, or dequantized,
    /// once in all) and sums their products in an accumulator of its own; the parts' sums are added
    /// to dx at the end. A block's transpose is packed straight from its rows.
    static func backwardInput(rows: Int, cols: Int, _ read: Rows, dy: UnsafePointer<Float>, tokens T: Int,
                              dx: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let block = rows >= backwardBlock * pool.threads ? backwardBlock : Self.block
        let colPanels = (cols + 15) / 16, blocks = (rows + block - 1) / block
        let parts = max(1, min(blocks, pool.threads))
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: parts * T * cols)
        sums.initialize(repeating: 0, count: parts * T * cols)
        defer { sums.deallocate() }
        pool.parallelFor(parts) { range in
            let w = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            let panels = UnsafeMutablePointer<Float>.allocate(capacity: colPanels * 16 * block)
            let dyBlock = UnsafeMutablePointer<Float>.allocate(capacity: T * block)
            let product = UnsafeMutablePointer<Float>.allocate(capacity: T * cols)
            defer { w.deallocate(); panels.deallocate(); dyBlock.deallocate(); product.deallocate() }
            for p in range {
                for b in stride(from: p, to: blocks, by: parts) {
                    let r0 = b * block, n = min(block, rows - r0), rowsOfW = read(r0, n, w)
                    // Panels of Wᵀ (cols × n): panel q holds columns 16q..<16q+16 of each row, contiguous.
                    for q in 0..<colPanels {
                        let c0 = 16 * q, width = min(16, cols - c0)
                        for j in 0..<n {
                            let dst = panels + (q * n + j) * 16
                            dst.update(from: rowsOfW + j * cols + c0, count: width)
                            if width < 16 { (dst + width).update(repeating: 0, count: 16 - width) }
                        }
                    }
                    for t in 0..<T { (dyBlock + t * n).update(from: dy + t * rows + r0, count: n) }
                    tern_matmul_f32(panels, Int64(cols), 0, Int64(colPanels), Int64(n), dyBlock, Int64(T), product, Int64(cols))
                    add(product, into: sums + p * T * cols, T * cols)
                }
            }
        }
        for p in 0..<parts { add(sums + p * T * cols, into: dx, T * cols) }
    }

    /// dW (rows, cols) += dyᵀ · x: the kernel's out = X · Pᵀ with P = xᵀ (cols × T, packed once)
    /// and X a block of dy's columns (the block's rows of dW), a block per job.
    static func weightGradient(rows: Int, cols: Int, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, tokens T: Int,
                               dW: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let colPanels = (cols + 15) / 16
        let xt = UnsafeMutablePointer<Float>.allocate(capacity: cols * T)
        let panels = UnsafeMutablePointer<Float>.allocate(capacity: colPanels * 16 * T)
        defer { xt.deallocate(); panels.deallocate() }
        for t in 0..<T { for c in 0..<cols { xt[c * T + t] = x[t * cols + c] } }
        tern_pack_f32(xt, Int64(cols), Int64(T), panels)
        pool.parallelFor((rows + block - 1) / block) { range in
            let dyT = UnsafeMutablePointer<Float>.allocate(capacity: block * T)
            let sum = UnsafeMutablePointer<Float>.allocate(capacity: block * cols)
            defer { dyT.deallocate(); sum.deallocate() }
            for b in range {
                let r0 = b * block, n = min(block, rows - r0)
                for t in 0..<T { for i in 0..<n { dyT[i * T + t] = dy[t * rows + r0 + i] } }
                tern_matmul_f32(panels, Int64(cols), 0, Int64(colPanels), Int64(T), dyT, Int64(n), sum, Int64(cols))
                add(sum, into: dW + r0 * cols, n * cols)
            }
        }
    }
}
