// Half-precision conversions for ggml's 16-bit formats: IEEE binary16 (`ggml_half`, the scale of
// every quantized block and the F16 tensor type) and bfloat16 (the BF16 tensor type).
//
// Where Swift has `Float16` the conversions use it, which compiles to the F16C instructions
// (vcvtph2ps / vcvtps2ph) on x86-64-v3 and to fcvt on arm64 — the same instructions ggml's
// GGML_FP16_TO_FP32 / GGML_FP32_TO_FP16 use on those machines. Intel Macs have no `Float16`
// type, so there the bit-level versions below run instead; tests check both against each other
// and against hand-computed values.

/// Converts an IEEE binary16 bit pattern to `Float`. Exact for every input: subnormals become
/// normal floats, ±inf stays ±inf, and a NaN stays a NaN (quiet, payload kept).
///
///     halfToFloat(0x3C00)   // 1.0
///     halfToFloat(0x0001)   // 5.96e-8, the smallest subnormal (2⁻²⁴)
@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
#if arch(x86_64) && os(macOS)
    return halfToFloatBits(h)
#else
    return Float(Float16(bitPattern: h))
#endif
}

/// Converts a `Float` to the nearest IEEE binary16 bit pattern, ties to even, as ggml's
/// GGML_FP32_TO_FP16 does. Values from 65520 up become inf; NaN becomes a quiet NaN that keeps the
/// top 10 payload bits.
///
///     floatToHalf(1.0)        // 0x3C00
///     floatToHalf(65520)      // 0x7C00 (inf: 65520 is the tie between 65504 and 2¹⁶)
@inline(__always)
public func floatToHalf(_ f: Float) -> UInt16 {
#if arch(x86_64) && os(macOS)
    return floatToHalfBits(f)
#else
    return Float16(f).bitPattern
#endif
}

/// Converts a bfloat16 bit pattern (the top half of a binary32) to `Float`, exactly as ggml's
/// GGML_BF16_TO_FP32.
///
///     bf16ToFloat(0x3F80)   // 1.0
@inline(__always)
public func bf16ToFloat(_ b: UInt16) -> Float {
    Float(bitPattern: UInt32(b) << 16)
}

// MARK: - Bit-level versions (no Float16 needed)

/// binary16 → binary32 by moving fields: the exponent is rebiased from 15 to 127 and the 10-bit
/// mantissa moves to the top of the 23-bit one. Subnormals are mantissa × 2⁻²⁴, exact in binary32.
@inline(__always)
package func halfToFloatBits(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x03FF)
    if exponent == 0x1F {                   // inf or NaN
        let quiet: UInt32 = mantissa == 0 ? 0 : 0x0040_0000
        return Float(bitPattern: sign | 0x7F80_0000 | quiet | mantissa << 13)
    }
    if exponent == 0 {                      // zero or subnormal
        return Float(bitPattern: sign | (Float(mantissa) * 0x1p-24).bitPattern)
    }
    return Float(bitPattern: sign | (exponent + (127 - 15)) << 23 | mantissa << 13)
}

/// binary32 → binary16, round to nearest even, by integer arithmetic on the bit pattern.
@inline(__always)
package func floatToHalfBits(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
    let magnitude = bits & 0x7FFF_FFFF
    if magnitude > 0x7F80_0000 {            // NaN: quiet it, keep the payload's top bits
        return sign | 0x7E00 | UInt16(truncatingIfNeeded: magnitude >> 13) & 0x03FF
    }
    if magnitude >= 0x4780_0000 {           // ≥ 2¹⁶ (or inf): beyond every finite half
        return sign | 0x7C00
    }
    if magnitude >= 0x3880_0000 {           // ≥ 2⁻¹⁴: a normal half
        // Rebias the exponent (127 → 15) and drop 13 mantissa bits, rounding half to even. A carry
        // out of the mantissa bumps the exponent, which is right (and gives inf above 65504).
        let rebased = magnitude - ((127 - 15) << 23)
        let roundBit: UInt32 = 0x0FFF + ((rebased >> 13) & 1)
        return sign | UInt16(truncatingIfNeeded: (rebased + roundBit) >> 13)
    }
    // Subnormal half (or zero): the result is round(|f| × 2²⁴). |f| = significand × 2^(e − 150),
    // so that is significand >> (126 − e), rounded half to even.
    let exponent = magnitude >> 23
    let shift = 126 - exponent
    if shift > 24 { return sign }           // below 2⁻²⁵: rounds to zero
    let significand = (magnitude & 0x007F_FFFF) | 0x0080_0000
    let kept = significand >> shift
    let rest = significand & ((1 << shift) - 1)
    let half: UInt32 = 1 << (shift - 1)
    let roundUp: UInt32 = (rest > half || (rest == half && kept & 1 == 1)) ? 1 : 0
    return sign | UInt16(truncatingIfNeeded: kept + roundUp)
}
