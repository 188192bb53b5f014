import Foundation
import TernCKernels
import TernKernels

/// Wᵀ of a frozen quantized matrix, itself quantized to Q8_0 and packed, so that the backward
/// pass's input gradient dx = dy·W runs through the inference integer kernels as a forward product
/// with dy as the activation: dx = dy·(Wᵀ)ᵀ. Built once from the GGUF rows, a band of 256 rows at a
/// time (no float copy of the whole matrix); its row c holds column c of W in blocks of 32 rows.
/// Only the packed copy stays in memory (1.125 bytes a weight): the rows it was packed from are
/// handed back to the system once copied.
///
///     let wt = TransposedQ8(matrix, pool: pool)     // (cols, rows)
///     matmul(wt.matrix, dy, dx, tokens: T, pool: pool, scratch: ActivationBuffer(tokens: T, cols: matrix.rows))
final class TransposedQ8: @unchecked Sendable {  // immutable after init
    let matrix: QuantMatrix
    private let storage: UnsafeMutableRawPointer, bytes: Int

    /// nil when W's rows are not a whole number of Q8_0 blocks.
    init?(_ w: QuantMatrix, pool: ThreadPool) {
        let R = w.rows, C = w.cols, band = 256
        guard R % 32 == 0, let rowBytes = GGMLType.q8_0.rowBytes(R) else { return nil }
        // Anonymous pages, so that packing can give them back as it goes (madvise), while the
        // mapping itself (QuantMatrix.data) stays valid.
        bytes = C * rowBytes
        guard let pages = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), pages != MAP_FAILED else { return nil }
        storage = pages
        let out = storage
        pool.parallelFor((R + band - 1) / band) { bands in
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: band * C), column = UnsafeMutablePointer<Float>.allocate(capacity: band)
            defer { tile.deallocate(); column.deallocate() }
            for b in bands {
                let r0 = b * band, n = min(band, R - r0)
                for r in 0..<n { w.dequantize(row: r0 + r, into: tile + r * C) }
                for c in 0..<C {
                    for r in 0..<n { column[r] = tile[r * C + c] }
                    tern_quantize_activations(Int32(GGMLType.q8_0.rawValue), column, out + c * rowBytes + (r0 / 32) * 34, Int64(n))
                }
            }
        }
        let page = Int(getpagesize())
        matrix = QuantMatrix(type: .q8_0, rows: C, cols: R, data: storage).packed { start, count in
            let first = (Int(bitPattern: start) + page - 1) / page * page, last = (Int(bitPattern: start) + count) / page * page
            if last > first { madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, MADV_DONTNEED) }
        }
    }

    deinit { munmap(storage, bytes) }
}
