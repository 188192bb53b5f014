/// Where the forward pass rounds more coarsely than float, as llama.cpp's CPU backend does.
///
/// The default follows llama.cpp (`.llamaCpp`): keys and values are stored in half precision (its
/// default F16 KV cache, half the memory) and GELU is read from a table of half-precision values.
/// Gemma's residual stream amplifies such differences enough to move logprobs by ~0.1, so the
/// default matters for parity. `.exact` keeps float everywhere: tests compare it with a NumPy
/// reference to 1e-4.
public struct Numerics: Sendable, Equatable {
    public var halfPrecisionKV: Bool
    public var geluTable: Bool

    public init(halfPrecisionKV: Bool, geluTable: Bool) {
        self.halfPrecisionKV = halfPrecisionKV
        self.geluTable = geluTable
    }

    public static let llamaCpp = Numerics(halfPrecisionKV: true, geluTable: true)
    public static let exact = Numerics(halfPrecisionKV: false, geluTable: false)
}
