import TernCKernels

/// A Q4_0 / Q5_0 / Q8_0 / Q4_K / Q5_K / Q6_K matrix re-laid out for fast products: rows
/// interleaved in groups of eight so that one vector load feeds eight rows (layouts in
/// TernCKernels' packed.c). An F32 matrix is laid out in panels of sixteen rows, column by
/// column (`groups` then counts panels), for register-tiled float products. Products then take about a quarter of the instructions of row-by-row
/// dots, for one token (decode) as for many (prefill, batched decode). Q4_0/Q5_0/Q8_0 quants are
/// stored one per byte (1.125 bytes per weight); K-quants keep their bit widths (0.58, 0.70 and
/// 0.82 bytes per weight for Q4_K, Q5_K, Q6_K, about what ggml's own blocks take).
public final class PackedMatrix: @unchecked Sendable {  // immutable after init
    public let rows: Int
    package let data: UnsafeMutableRawPointer
    let groups: Int

    /// nil when `w`'s type has no packed form. The rows are packed a slice at a time, and
    /// `done(start, bytes)` is told of each slice of `w` once it is copied (so a memory-mapped
    /// original can be dropped as it goes, and the two never sit in memory whole at once).
    public init?(_ w: QuantMatrix, done: (UnsafeRawPointer, Int) -> Void = { _, _ in }) {
        if w.type == .f32 {  // panels of 16 rows, column by column (tern_pack_f32)
            rows = w.rows
            groups = (w.rows + 15) / 16
            data = .allocate(byteCount: groups * 16 * w.cols * 4, alignment: 64)
            tern_pack_f32(w.data.assumingMemoryBound(to: Float.self), Int64(w.rows), Int64(w.cols), data.assumingMemoryBound(to: Float.self))
            done(w.data, w.rows * w.rowBytes)
            return
        }
        let bytes = tern_packed_bytes(Int32(w.type.rawValue), Int64(w.rows), Int64(w.cols))
        guard bytes > 0 else { return nil }
        rows = w.rows
        groups = (w.rows + 7) / 8
        data = .allocate(byteCount: bytes, alignment: 64)
        let slice = 512  // groups (4096 rows) per slice
        for g0 in stride(from: 0, to: groups, by: slice) {
            let g1 = min(groups, g0 + slice)
            tern_pack_rows(Int32(w.type.rawValue), w.data, w.rowBytes, Int64(w.rows), Int64(w.cols), Int64(g0), Int64(g1), data)
            let r0 = 8 * g0, r1 = min(w.rows, 8 * g1)
            done(w.row(r0), (r1 - r0) * w.rowBytes)
        }
    }

    deinit { data.deallocate() }
}
