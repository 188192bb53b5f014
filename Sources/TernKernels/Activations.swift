import Foundation
import TernCKernels

/// GELU with the tanh approximation (ggml_gelu): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
@inline(__always)
public func geluTanh(_ x: Float) -> Float {
    let c: Float = 0.7978845608028654  // √(2/π)
    return 0.5 * x * (1 + tanhf(c * x * (1 + 0.044715 * x * x)))
}

/// `geluTanh` sixteen lanes at a time (tanh by `tanh16`).
@inline(__always)
public func geluTanh16(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let c: Float = 0.7978845608028654
    return 0.5 * x * (1 + tanh16(c * x * (1 + 0.044715 * x * x)))
}

/// The derivative of `geluTanh`: with u = √(2/π)·(x + 0.044715·x³) and t = tanh(u),
/// d/dx = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²).
@inline(__always)
public func geluTanhDerivative(_ x: Float) -> Float {
    let c: Float = 0.7978845608028654
    let t = tanhf(c * x * (1 + 0.044715 * x * x))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
}

/// GELU as BERT computes it, with the error function: 0.5·x·(1 + erf(x/√2)), in place.
/// Vectorised (TernCKernels' `tern_gelu_erf`): within 3e-7 of libm's erf form, relative to
/// max(|x|, 1).
public func geluErf(_ x: UnsafeMutablePointer<Float>, _ count: Int) {
    tern_gelu_erf(x, Int64(count))
}

/// GeGLU as in Gemma: gate[i] = gelu(gate[i]) · up[i], in place in `gate`. gate, up: (count)
///
/// With `table`, GELU is looked up as ggml's CPU backend does it: the input rounded to half
/// precision indexes a table of gelu_tanh values rounded to half (inputs ≤ -10 give 0, ≥ 10 pass
/// through). Otherwise it is computed exactly with tanh.
public func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ count: Int, table: Bool) {
    gelu(gate, count, table: table)
    var i = 0
    while i + 16 <= count {
        store16(load16(gate + i) * load16(up + i), gate + i)
        i += 16
    }
    for j in i..<count { gate[j] *= up[j] }
}

/// GELU (tanh form) in place, as `geglu` computes it, without the gate: GPT-2's, Falcon's and
/// Bloom's MLPs. x: (count)
public func gelu(_ x: UnsafeMutablePointer<Float>, _ count: Int, table: Bool) {
    guard table else {
        var i = 0
        while i + 16 <= count {
            store16(geluTanh16(load16(x + i)), x + i)
            i += 16
        }
        for j in i..<count { x[j] = geluTanh(x[j]) }
        return
    }
    geluHalfTable.withUnsafeBufferPointer { table in
        for i in 0..<count {
            let v = x[i]
            x[i] = v <= -10 ? 0 : v >= 10 ? v : halfToFloat(table[Int(floatToHalf(v))])
        }
    }
}

/// SwiGLU as in Llama: gate[i] = silu(gate[i]) · up[i] with silu(x) = x / (1 + e^-x), in place in
/// `gate`. gate, up: (count)
public func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ count: Int) {
    var i = 0
    while i + 16 <= count {
        let x = load16(gate + i)
        store16(x / (1 + exp16(-x)) * load16(up + i), gate + i)
        i += 16
    }
    for j in i..<count { gate[j] = gate[j] / (1 + Foundation.exp(-gate[j])) * up[j] }
}

/// The backward pass of `geglu` (exact tanh form): with h = gelu(gate)·up,
/// dGate = dh·up·gelu'(gate) and dUp = dh·gelu(gate). gate, up: the forward's inputs (gate before
/// it was overwritten); dh, dGate, dUp: (count). `dGate` or `dUp` may alias `dh`, not both.
public func gegluBackward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, dh: UnsafePointer<Float>,
                          dGate: UnsafeMutablePointer<Float>, dUp: UnsafeMutablePointer<Float>, _ count: Int) {
    let c: Float = 0.7978845608028654
    var i = 0
    while i + 16 <= count {  // one tanh for both gelu(g) and gelu'(g)
        let g = load16(gate + i), d = load16(dh + i), x2: SIMD16<Float> = g * g
        let inner: SIMD16<Float> = 1 + 0.044715 * x2
        let t = tanh16(c * g * inner), half: SIMD16<Float> = 0.5 * (1 + t)
        let slope: SIMD16<Float> = (1 + 3 * 0.044715 * x2) * c
        let derivative: SIMD16<Float> = half + 0.5 * g * (1 - t * t) * slope
        let du: SIMD16<Float> = d * half * g, dg: SIMD16<Float> = d * load16(up + i) * derivative
        store16(dg, dGate + i)
        store16(du, dUp + i)
        i += 16
    }
    for i in i..<count {
        let g = gate[i], d = dh[i]
        let du = d * geluTanh(g)
        dGate[i] = d * up[i] * geluTanhDerivative(g)
        dUp[i] = du
    }
}

/// gelu_tanh of every half-precision input, rounded to half (128 KB, built on first use).
let geluHalfTable: [UInt16] = (0..<65536).map { floatToHalf(geluTanh(halfToFloat(UInt16($0)))) }
