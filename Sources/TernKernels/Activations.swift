import Foundation

/// GELU with the tanh approximation (ggml_gelu): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
@inline(__always)
public func geluTanh(_ x: Float) -> Float {
    let c: Float = 0.7978845608028654  // √(2/π)
    return 0.5 * x * (1 + tanhf(c * x * (1 + 0.044715 * x * x)))
}

/// GeGLU as in Gemma: gate[i] = gelu_tanh(gate[i]) · up[i], in place in `gate`.
/// gate, up: (count)
public func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ count: Int) {
    for i in 0..<count { gate[i] = geluTanh(gate[i]) * up[i] }
}
