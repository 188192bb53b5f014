// Fast dequantization: the same arithmetic as Dequantize.swift (one multiply, or multiply then
// subtract, per element, never fused), so the results are identical bit for bit, but each block
// is unpacked 16 lanes at a time in SIMD registers. The unpackers here are shared with the fast
// dot products in QuantDot.swift.
//
// Codegen notes (Swift 6.3, x86-64, checked in the disassembly): arithmetic on SIMD16<UInt8>,
// SIMD8<Int32> and SIMD8<Float> lowers to single AVX2 instructions, but SIMD32 byte vectors,
// SIMDMask comparisons and per-byte-lane variable shifts become per-lane loops, so none is used.
// Lane conversions are our own lane loops (see "Lane conversions" below).

/// Decodes one row of `count` elements stored as `type` into floats, as fast as this CPU allows.
/// Bit-for-bit equal to `dequantizeRowReference`.
///
///     let w = QuantMatrix(type: .q8_0, rows: 262_144, cols: 640, data: pointer)
///     dequantizeRow(w.type, w.row(token), embedding, count: 640)   // (640) floats
public func dequantizeRow(_ type: GGMLType, _ src: UnsafeRawPointer,
                          _ dst: UnsafeMutablePointer<Float>, count: Int) {
    assert(count % type.blockSize == 0, "\(type) row of \(count) is not a whole number of blocks")
    let blocks = count / type.blockSize
    switch type {
    case .f32: UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: 4 * count)
    case .f16: fastF16(src, dst, count)
    case .bf16: fastBF16(src, dst, count)
    case .q4_0: fastQ4_0(src, dst, blocks)
    case .q5_0: fastQ5_0(src, dst, blocks)
    case .q4_1, .q5_1, .tq1_0, .tq2_0: dequantizeRowReference(type, src, dst, count: count)  // rare types: no fast path yet
    case .q8_0: fastQ8_0(src, dst, blocks)
    case .q4_K: fastQ4_K(src, dst, blocks)
    case .q5_K: fastQ5_K(src, dst, blocks)
    case .q6_K: fastQ6_K(src, dst, blocks)
    }
}

private func fastF16(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    var i = 0
#if !(arch(x86_64) && os(macOS))
    while i + 8 <= count {
        let h = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<Float16>.self)
        storeFloats8(toFloats(h), y + i)
        i += 8
    }
#endif
    while i < count {
        y[i] = halfToFloat(src.u16(2 * i))
        i += 1
    }
}

private func fastBF16(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    var i = 0
    while i + 8 <= count {
        let b = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
        storeFloats8(bf16ToFloat(b), y + i)
        i += 8
    }
    while i < count {
        y[i] = bf16ToFloat(src.u16(2 * i))
        i += 1
    }
}

private func fastQ4_0(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + 18 * b, out = y + 32 * b
        let d = block.half(0)
        let (low, high) = unpackQ4_0(block)
        storeScaled(low, d, out)
        storeScaled(high, d, out + 16)
    }
}

private func fastQ5_0(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ blocks: Int) {
    q5FifthBits.withUnsafeBufferPointer { table in
        for b in 0..<blocks {
            let block = src + 22 * b, out = y + 32 * b
            let d = block.half(0)
            let (low, high) = unpackQ5_0(block, table.baseAddress!)
            storeScaled(low, d, out)
            storeScaled(high, d, out + 16)
        }
    }
}

private func fastQ8_0(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + 34 * b, out = y + 32 * b
        let d = block.half(0)
        storeScaled(block.int8x16(2), d, out)
        storeScaled(block.int8x16(18), d, out + 16)
    }
}

private func fastQ4_K(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + 144 * b
        let (scales, mins) = kQuantScales(block + 4, d: block.half(0), dmin: block.half(2))
        for group in 0..<4 {
            let q = block + 16 + 32 * group, out = y + 256 * b + 64 * group
            for part in 0..<2 {
                let (low, high) = unpackNibbles(q.uint8x16(16 * part))
                storeScaled(signed(low), scales[2 * group], minus: mins[2 * group], out + 16 * part)
                storeScaled(signed(high), scales[2 * group + 1], minus: mins[2 * group + 1], out + 32 + 16 * part)
            }
        }
    }
}

private func fastQ5_K(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + 176 * b
        let (scales, mins) = kQuantScales(block + 4, d: block.half(0), dmin: block.half(2))
        for group in 0..<4 {
            let out = y + 256 * b + 64 * group
            for part in 0..<2 {
                let (low, high) = unpackQ5_K(block, group: group, part: part)
                storeScaled(low, scales[2 * group], minus: mins[2 * group], out + 16 * part)
                storeScaled(high, scales[2 * group + 1], minus: mins[2 * group + 1], out + 32 + 16 * part)
            }
        }
    }
}

private func fastQ6_K(_ src: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ blocks: Int) {
    for b in 0..<blocks {
        let block = src + 210 * b
        let d = block.half(208)
        for half in 0..<2 {
            for part in 0..<2 {
                let (q0, q1, q2, q3) = unpackQ6_K(block, half: half, part: part)
                let scale = block + 192 + 8 * half + part
                let out = y + 256 * b + 128 * half + 16 * part
                storeScaled(q0, d * Float(scale.i8(0)), out)
                storeScaled(q1, d * Float(scale.i8(2)), out + 32)
                storeScaled(q2, d * Float(scale.i8(4)), out + 64)
                storeScaled(q3, d * Float(scale.i8(6)), out + 96)
            }
        }
    }
}

// MARK: - Block scales

/// get_scale_min_k4 for all eight sub-blocks of a Q4_K/Q5_K block at once, without branches,
/// times d and dmin: lane j is d·scale_j and dmin·min_j, the products the reference forms one by
/// one. Each 32-bit word holds four of the 6-bit fields, one per byte (see kQuantScaleMin).
@inline(__always)
package func kQuantScales(_ packed: UnsafeRawPointer, d: Float, dmin: Float) -> (SIMD8<Float>, SIMD8<Float>) {
    let w0 = packed.u32(0), w1 = packed.u32(4), w2 = packed.u32(8)
    let scalesLow = w0 & 0x3F3F_3F3F                                      // sub-blocks 0–3
    let scalesHigh = (w2 & 0x0F0F_0F0F) | ((w0 >> 2) & 0x3030_3030)       // sub-blocks 4–7
    let minsLow = w1 & 0x3F3F_3F3F
    let minsHigh = ((w2 >> 4) & 0x0F0F_0F0F) | ((w1 >> 2) & 0x3030_3030)
    return (d * byteLanes(scalesLow, scalesHigh), dmin * byteLanes(minsLow, minsHigh))
}

/// The eight bytes of two little-endian words as floats, lowest byte first.
@inline(__always)
private func byteLanes(_ low: UInt32, _ high: UInt32) -> SIMD8<Float> {
    let bytes = unsafeBitCast((low.littleEndian, high.littleEndian), to: SIMD8<UInt8>.self)
    return toFloats(widen(bytes))
}

// MARK: - Block unpackers (shared with QuantDot.swift)

/// Q4_0's 32 quants minus 8: (elements 0–15, elements 16–31).
@inline(__always)
func unpackQ4_0(_ block: UnsafeRawPointer) -> (SIMD16<Int8>, SIMD16<Int8>) {
    let (low, high) = unpackNibbles(block.uint8x16(2))
    return (signed(low) &- 8, signed(high) &- 8)
}

/// Q5_0's 32 quants minus 16: (elements 0–15, elements 16–31). Element j's fifth bit is bit j of
/// the 32-bit qh; `fifthBits` expands each qh byte to eight byte lanes of 0 or 16.
@inline(__always)
func unpackQ5_0(_ block: UnsafeRawPointer, _ fifthBits: UnsafePointer<SIMD8<UInt8>>)
    -> (SIMD16<Int8>, SIMD16<Int8>) {
    let (low, high) = unpackNibbles(block.uint8x16(6))
    let lowFifth = SIMD16(lowHalf: fifthBits[Int(block.u8(2))], highHalf: fifthBits[Int(block.u8(3))])
    let highFifth = SIMD16(lowHalf: fifthBits[Int(block.u8(4))], highHalf: fifthBits[Int(block.u8(5))])
    return (signed(low | lowFifth) &- 16, signed(high | highFifth) &- 16)
}

/// Lane k of entry b is 16 if bit k of b is set, else 0. A table lookup per qh byte is cheaper
/// than any SIMD bit spreading Swift can express: byte lanes have no variable shifts, and the
/// 32-bit-lane version costs three vector operations per eight elements.
let q5FifthBits: [SIMD8<UInt8>] = (0..<256).map { byte in
    var lanes = SIMD8<UInt8>()
    for k in 0..<8 { lanes[k] = UInt8((byte >> k) & 1) << 4 }
    return lanes
}

/// Q5_K's quants (0...31) from bytes 16·part ..< 16·part + 16 of group `group`'s 32 qs bytes:
/// (16 elements of the group's first sub-block, the same 16 of its second). The fifth bits are
/// bits 2·group and 2·group+1 of the matching qh bytes.
@inline(__always)
func unpackQ5_K(_ block: UnsafeRawPointer, group: Int, part: Int) -> (SIMD16<Int8>, SIMD16<Int8>) {
    let (low, high) = unpackNibbles(block.uint8x16(48 + 32 * group + 16 * part))
    let qh = block.uint8x16(16 + 16 * part) &>> UInt8(2 * group)
    let fifth0 = (qh & 1) &<< 4, fifth1 = (qh & 2) &<< 3
    return (signed(low | fifth0), signed(high | fifth1))
}

/// Q6_K's quants minus 32 for the four runs of 16 elements that share ql/qh bytes: in half `half`
/// (0, 1) and part `part` (0, 1), element 128·half + 32·k + 16·part + i for k = 0...3.
@inline(__always)
func unpackQ6_K(_ block: UnsafeRawPointer, half: Int, part: Int)
    -> (SIMD16<Int8>, SIMD16<Int8>, SIMD16<Int8>, SIMD16<Int8>) {
    let ql0 = block.uint8x16(64 * half + 16 * part)
    let ql1 = block.uint8x16(64 * half + 32 + 16 * part)
    let qh = block.uint8x16(128 + 32 * half + 16 * part)
    // Bits 2k…2k+1 of qh move to bits 4…5 of quant k.
    let q0 = (ql0 & 0x0F) | ((qh &<< 4) & 0x30)
    let q1 = (ql1 & 0x0F) | ((qh &<< 2) & 0x30)
    let q2 = (ql0 &>> 4) | (qh & 0x30)
    let q3 = (ql1 &>> 4) | ((qh &>> 2) & 0x30)
    return (signed(q0) &- 32, signed(q1) &- 32, signed(q2) &- 32, signed(q3) &- 32)
}

/// (low nibbles, high nibbles) of 16 bytes.
@inline(__always)
func unpackNibbles(_ bytes: SIMD16<UInt8>) -> (SIMD16<UInt8>, SIMD16<UInt8>) {
    (bytes & 0x0F, bytes &>> 4)
}

// MARK: - Lane conversions, loads and stores
//
// The conversions are written as lane loops that LLVM turns into single instructions (vpmovsxbd,
// vcvtdq2ps, vcvtph2ps) rather than calling the stdlib's generic SIMD initializers: with
// multi-threaded whole-module builds (SwiftPM's -num-threads) a stdlib specialization lands in one
// file's object and every other file calls it out of line, which made these kernels 3× slower.

/// The 16 lanes of `q` as floats: (lanes 0–7, lanes 8–15).
@inline(__always)
func toFloats(_ q: SIMD16<Int8>) -> (SIMD8<Float>, SIMD8<Float>) {
    var low = SIMD8<Float>(), high = SIMD8<Float>()
    for i in 0..<8 {
        low[i] = Float(q[i])
        high[i] = Float(q[i + 8])
    }
    return (low, high)
}

@inline(__always)
func toFloats(_ v: SIMD8<Int32>) -> SIMD8<Float> {
    var f = SIMD8<Float>()
    for i in 0..<8 { f[i] = Float(v[i]) }
    return f
}

#if !(arch(x86_64) && os(macOS))
@inline(__always)
func toFloats(_ h: SIMD8<Float16>) -> SIMD8<Float> {
    var f = SIMD8<Float>()
    for i in 0..<8 { f[i] = Float(h[i]) }
    return f
}
#endif

@inline(__always)
func widen(_ v: SIMD8<UInt8>) -> SIMD8<Int32> {
    var w = SIMD8<Int32>()
    for i in 0..<8 { w[i] = Int32(v[i]) }
    return w
}

@inline(__always)
func widen(_ v: SIMD8<UInt16>) -> SIMD8<UInt32> {
    var w = SIMD8<UInt32>()
    for i in 0..<8 { w[i] = UInt32(v[i]) }
    return w
}

/// Reinterprets bytes as signed; callers pass values below 128, so nothing changes.
@inline(__always)
func signed(_ q: SIMD16<UInt8>) -> SIMD16<Int8> {
    unsafeBitCast(q, to: SIMD16<Int8>.self)
}

/// y[0..<16] = Float(q) · d, element by element as the reference does.
@inline(__always)
func storeScaled(_ q: SIMD16<Int8>, _ d: Float, _ y: UnsafeMutablePointer<Float>) {
    let (q0, q1) = toFloats(q)
    storeFloats8(q0 * d, y)
    storeFloats8(q1 * d, y + 8)
}

/// y[0..<16] = d · Float(q) − m, multiply then subtract (unfused) as the reference does.
@inline(__always)
func storeScaled(_ q: SIMD16<Int8>, _ d: Float, minus m: Float, _ y: UnsafeMutablePointer<Float>) {
    let (q0, q1) = toFloats(q)
    storeFloats8(d * q0 - m, y)
    storeFloats8(d * q1 - m, y + 8)
}

@inline(__always)
func bf16ToFloat(_ b: SIMD8<UInt16>) -> SIMD8<Float> {
    unsafeBitCast(widen(b) &<< 16, to: SIMD8<Float>.self)
}

@inline(__always)
func storeFloats8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

@inline(__always)
func loadFloats8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

extension UnsafeRawPointer {
    @inline(__always) func uint8x16(_ offset: Int) -> SIMD16<UInt8> {
        loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
    }
    @inline(__always) func int8x16(_ offset: Int) -> SIMD16<Int8> {
        loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self)
    }
}
