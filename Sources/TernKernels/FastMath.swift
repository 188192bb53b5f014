/// exp and tanh sixteen lanes at a time, for the loops of training that libm's scalar calls
/// dominated (the softmax over Gemma's 262,144-token vocabulary, GELU's tanh in the MLP backward).
///
/// exp: x = n·ln 2 + r with |r| ≤ ln 2 / 2, so eˣ = 2ⁿ·eʳ; eʳ by its Taylor series to r⁷ (the
/// first term left out is below 1.2e-8 relative), 2ⁿ written into the exponent bits. Inputs are
/// clamped to [-87.3, 88.3], where 2ⁿ stays a normal float: below, the result is ~1e-38 instead of
/// a subnormal or 0. Within a few ulp of `expf` (tested).
///
/// Only lane-wise arithmetic, comparisons and bit casts: the standard library's generic
/// `clamped`, `pointwiseMin/Max` and Float→Int32 conversion compiled to per-lane loops here, 20×
/// slower. n is rounded by adding 1.5·2²³ (the integer then sits in the low mantissa bits).
///
///     let e = exp16(SIMD16<Float>(repeating: 1))   // 2.7182817 in every lane
@inline(__always)
public func exp16(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let x = min16(max16(x, SIMD16(repeating: -87.3)), SIMD16(repeating: 88.3))
    let shifted = x * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = (x - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-6  // ln 2 in two parts
    var p = r * (1 / 5040) + 1 / 720
    p = p * r + 1 / 120
    p = p * r + 1 / 24
    p = p * r + 1 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let bits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: SIMD16<Float>.self)
}

/// Lane-wise maximum (one vector instruction; see exp16 on `pointwiseMax`).
@inline(__always)
public func max16(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a.replacing(with: b, where: b .> a) }

/// Lane-wise minimum.
@inline(__always)
public func min16(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a.replacing(with: b, where: b .< a) }

/// tanh(u) = 1 − 2 / (e²ᵘ + 1), through `exp16`: within 1e-6 of `tanhf` (absolute; it tends to ±1
/// exactly for large |u|).
@inline(__always)
public func tanh16(_ u: SIMD16<Float>) -> SIMD16<Float> {
    1 - 2 / (exp16(u + u) + 1)
}

/// Loads 16 floats from p (unaligned).
@inline(__always)
public func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

/// Stores 16 floats to p (unaligned).
@inline(__always)
public func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
