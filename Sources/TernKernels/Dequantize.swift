// Dequantization of ggml's block formats: the plain scalar reference, one function per type, each
// mirroring ggml's dequantize_row_* (ggml-quants.c) operation for operation so that the results
// match llama.cpp bit for bit. Block layouts are ggml-common.h's block_* structs; all multi-byte
// fields are little-endian and read unaligned (GGUF tensors are packed). The fast versions sit in
// Dequantize+SIMD.swift and are tested against these.

/// Decodes one row of `count` elements stored as `type` into floats. Plain scalar code that
/// follows ggml's dequantize_row_* exactly; `dequantizeRow` is the fast equivalent.
///
/// `count` must be a multiple of `type.blockSize`; `src` holds `type.rowBytes(count)` bytes.
///
///     var out = [Float](repeating: 0, count: 256)
///     out.withUnsafeMutableBufferPointer {
///         dequantizeRowReference(.q4_K, block, $0.baseAddress!, count: 256)
///     }
public func dequantizeRowReference(_ type: GGMLType, _ src: UnsafeRawPointer,
                                   _ dst: UnsafeMutablePointer<Float>, count: Int) {
    assert(count % type.blockSize == 0, "\(type) row of \(count) is not a whole number of blocks")
    let blocks = count / type.blockSize
    switch type {
    case .f32: for i in 0..<count { dst[i] = src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
    case .f16: for i in 0..<count { dst[i] = halfToFloat(src.u16(2 * i)) }
    case .bf16: for i in 0..<count { dst[i] = bf16ToFloat(src.u16(2 * i)) }
    case .q4_0: for b in 0..<blocks { referenceQ4_0(src + 18 * b, dst + 32 * b) }
    case .q4_1: for b in 0..<blocks { referenceQ4_1(src + 20 * b, dst + 32 * b) }
    case .q5_0: for b in 0..<blocks { referenceQ5_0(src + 22 * b, dst + 32 * b) }
    case .q5_1: for b in 0..<blocks { referenceQ5_1(src + 24 * b, dst + 32 * b) }
    case .q8_0: for b in 0..<blocks { referenceQ8_0(src + 34 * b, dst + 32 * b) }
    case .q4_K: for b in 0..<blocks { referenceQ4_K(src + 144 * b, dst + 256 * b) }
    case .q5_K: for b in 0..<blocks { referenceQ5_K(src + 176 * b, dst + 256 * b) }
    case .q6_K: for b in 0..<blocks { referenceQ6_K(src + 210 * b, dst + 256 * b) }
    case .tq1_0: for b in 0..<blocks { referenceTQ1_0(src + 54 * b, dst + 256 * b) }
    case .tq2_0: for b in 0..<blocks { referenceTQ2_0(src + 66 * b, dst + 256 * b) }
    }
}

// MARK: - Legacy 32-element blocks

/// block_q4_0 { half d; u8 qs[16] }: element j is the low nibble of qs[j], element j+16 the high
/// one; value = (nibble − 8) · d.
private func referenceQ4_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(0))
    for j in 0..<16 {
        let q = block.u8(2 + j)
        y[j] = Float(Int32(q & 0x0F) - 8) * d
        y[j + 16] = Float(Int32(q >> 4) - 8) * d
    }
}

/// block_q5_0 { half d; u8 qh[4]; u8 qs[16] }: as Q4_0 with a fifth bit per element from the
/// 32-bit qh (bit j for element j, bit j+16 for element j+16); value = (q − 16) · d.
private func referenceQ5_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(0))
    let qh = block.u32(2)
    for j in 0..<16 {
        let q = UInt32(block.u8(6 + j))
        let high0 = ((qh >> UInt32(j)) << 4) & 0x10
        let high1 = (qh >> UInt32(j + 12)) & 0x10
        y[j] = Float(Int32((q & 0x0F) | high0) - 16) * d
        y[j + 16] = Float(Int32((q >> 4) | high1) - 16) * d
    }
}

/// block_q4_1 { half d; half m; u8 qs[16] }: nibbles as in Q4_0, unsigned; value = nibble · d + m.
private func referenceQ4_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(0)), m = halfToFloat(block.u16(2))
    for j in 0..<16 {
        let q = block.u8(4 + j)
        y[j] = Float(q & 0x0F) * d + m
        y[j + 16] = Float(q >> 4) * d + m
    }
}

/// block_q5_1 { half d; half m; u32 qh; u8 qs[16] }: the fifth bits as in Q5_0, unsigned; value =
/// q · d + m.
private func referenceQ5_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(0)), m = halfToFloat(block.u16(2))
    let qh = block.u32(4)
    for j in 0..<16 {
        let q = UInt32(block.u8(8 + j))
        let high0 = ((qh >> UInt32(j)) << 4) & 0x10
        let high1 = (qh >> UInt32(j + 12)) & 0x10
        y[j] = Float((q & 0x0F) | high0) * d + m
        y[j + 16] = Float((q >> 4) | high1) * d + m
    }
}

/// block_q8_0 { half d; i8 qs[32] }: value = qs[j] · d.
private func referenceQ8_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(0))
    for j in 0..<32 {
        y[j] = Float(block.i8(2 + j)) * d
    }
}

// MARK: - K-quants: 256-element super-blocks

/// block_q4_K { half d; half dmin; u8 scales[12]; u8 qs[128] }: eight sub-blocks of 32, each with
/// a 6-bit scale and min. Each group of 64 elements reads 32 bytes of qs: the low nibbles are
/// the first sub-block, the high nibbles the second. value = d·scale · q − dmin·min.
private func referenceQ4_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(0))
    let dmin = halfToFloat(block.u16(2))
    let scales = block + 4
    for group in 0..<4 {
        let q = block + 16 + 32 * group
        let (scale0, min0) = kQuantScaleMin(2 * group, scales)
        let (scale1, min1) = kQuantScaleMin(2 * group + 1, scales)
        let d0 = d * Float(scale0), m0 = dmin * Float(min0)
        let d1 = d * Float(scale1), m1 = dmin * Float(min1)
        let out = y + 64 * group
        for l in 0..<32 { out[l] = d0 * Float(q.u8(l) & 0x0F) - m0 }
        for l in 0..<32 { out[32 + l] = d1 * Float(q.u8(l) >> 4) - m1 }
    }
}

/// block_q5_K { half d; half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] }: Q4_K plus a fifth bit
/// per element; in group g the first sub-block takes bit 2g of qh[l], the second bit 2g+1.
private func referenceQ5_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(0))
    let dmin = halfToFloat(block.u16(2))
    let scales = block + 4
    let qh = block + 16
    for group in 0..<4 {
        let q = block + 48 + 32 * group
        let (scale0, min0) = kQuantScaleMin(2 * group, scales)
        let (scale1, min1) = kQuantScaleMin(2 * group + 1, scales)
        let d0 = d * Float(scale0), m0 = dmin * Float(min0)
        let d1 = d * Float(scale1), m1 = dmin * Float(min1)
        let bit0: UInt8 = 1 << (2 * group), bit1: UInt8 = 2 << (2 * group)
        let out = y + 64 * group
        for l in 0..<32 {
            let high: UInt8 = qh.u8(l) & bit0 != 0 ? 16 : 0
            out[l] = d0 * Float((q.u8(l) & 0x0F) + high) - m0
        }
        for l in 0..<32 {
            let high: UInt8 = qh.u8(l) & bit1 != 0 ? 16 : 0
            out[32 + l] = d1 * Float((q.u8(l) >> 4) + high) - m1
        }
    }
}

/// block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; half d }: two halves of 128 elements, each
/// reading 64 bytes of ql and 32 of qh. Within a half, element l + 32k (k = 0...3) takes the low
/// (k even) or high (k odd) nibble of ql[l + 32·(k & 1)] and bits 2k…2k+1 of qh[l]; one signed
/// 8-bit scale per 16 elements. value = d · scale · (q − 32).
/// TQ2_0 (ternary, 66 bytes): four 2-bit q ∈ {0, 1, 2} per byte, element 128j + 32l + m at bits
/// 2l of qs[32j + m]; value = (q − 1)·d, d the half after the 64 bytes.
private func referenceTQ2_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(64))
    for j in 0..<2 { for l in 0..<4 { for m in 0..<32 {
        let q = Int(block.load(fromByteOffset: 32 * j + m, as: UInt8.self) >> (2 * l)) & 3
        y[128 * j + 32 * l + m] = Float(q - 1) * d
    } } }
}

/// TQ1_0 (ternary, 54 bytes): five trits per byte stored as ⌈(base-3 number) · 256 / 243⌉; trit n
/// of byte b is ((b · 3ⁿ mod 256) · 3) >> 8. qs[0..<32] hold elements m + 32n, qs[32..<48] hold
/// 160 + m + 16n, qh[0..<4] hold 240 + j + 4n (four trits); value = (trit − 1)·d, d at byte 52.
private func referenceTQ1_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(52))
    func trit(_ byte: Int, _ n: Int) -> Float {
        let q = UInt8(truncatingIfNeeded: Int(block.load(fromByteOffset: byte, as: UInt8.self)) * [1, 3, 9, 27, 81][n])
        return Float((Int(q) * 3) >> 8 - 1) * d
    }
    for n in 0..<5 {
        for m in 0..<32 { y[m + 32 * n] = trit(m, n) }
        for m in 0..<16 { y[160 + m + 16 * n] = trit(32 + m, n) }
    }
    for n in 0..<4 { for j in 0..<4 { y[240 + j + 4 * n] = trit(48 + j, n) } }
}

private func referenceQ6_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = halfToFloat(block.u16(208))
    for half in 0..<2 {
        let ql = block + 64 * half
        let qh = block + 128 + 32 * half
        let scale = block + 192 + 8 * half
        let out = y + 128 * half
        for l in 0..<32 {
            let s = l / 16
            let h = qh.u8(l)
            let q1 = Int32((ql.u8(l) & 0x0F) | ((h & 3) << 4)) - 32
            let q2 = Int32((ql.u8(l + 32) & 0x0F) | (((h >> 2) & 3) << 4)) - 32
            let q3 = Int32((ql.u8(l) >> 4) | (((h >> 4) & 3) << 4)) - 32
            let q4 = Int32((ql.u8(l + 32) >> 4) | ((h >> 6) << 4)) - 32
            out[l] = d * Float(scale.i8(s)) * Float(q1)
            out[l + 32] = d * Float(scale.i8(s + 2)) * Float(q2)
            out[l + 64] = d * Float(scale.i8(s + 4)) * Float(q3)
            out[l + 96] = d * Float(scale.i8(s + 6)) * Float(q4)
        }
    }
}

/// ggml's get_scale_min_k4: the 12 scale bytes of Q4_K/Q5_K pack eight 6-bit scales and eight
/// 6-bit mins. Sub-blocks 0–3 use the low 6 bits of bytes j (scale) and j+4 (min); sub-blocks 4–7
/// take their low 4 bits from the nibbles of byte j+4 and their top 2 bits from the spare top
/// bits of bytes j−4 (scale) and j (min).
@inline(__always)
package func kQuantScaleMin(_ j: Int, _ scales: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
    if j < 4 {
        return (scales.u8(j) & 63, scales.u8(j + 4) & 63)
    }
    let scale = (scales.u8(j + 4) & 0x0F) | ((scales.u8(j - 4) >> 6) << 4)
    let min = (scales.u8(j + 4) >> 4) | ((scales.u8(j) >> 6) << 4)
    return (scale, min)
}

// MARK: - Unaligned little-endian field reads

extension UnsafeRawPointer {
    @inline(__always) func u8(_ offset: Int) -> UInt8 { load(fromByteOffset: offset, as: UInt8.self) }
    @inline(__always) func i8(_ offset: Int) -> Int8 { load(fromByteOffset: offset, as: Int8.self) }
    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    /// The ggml_half at `offset`, as a float.
    @inline(__always) func half(_ offset: Int) -> Float { halfToFloat(u16(offset)) }
}
