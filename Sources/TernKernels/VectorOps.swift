/// Float vector primitives shared by the kernels. `count` need not be a multiple of the SIMD width.

/// Σ a[i]·b[i] over `count` floats.
@inline(__always)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc0 = SIMD16<Float>(repeating: 0), acc1 = SIMD16<Float>(repeating: 0)
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 32 <= count {
        acc0.addProduct(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self),
                        rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
        acc1.addProduct(ra.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self),
                        rb.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self))
        i += 32
    }
    var sum = (acc0 + acc1).sum()
    while i < count { sum += a[i] * b[i]; i += 1 }
    return sum
}

/// y[i] += alpha · x[i]
@inline(__always)
public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    var i = 0
    let a = SIMD16<Float>(repeating: alpha)
    let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
    while i + 16 <= count {
        var v = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        v.addProduct(a, rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
        ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    while i < count { y[i] += alpha * x[i]; i += 1 }
}

/// x[i] *= s
@inline(__always)
public func scale(_ x: UnsafeMutablePointer<Float>, _ s: Float, _ count: Int) {
    for i in 0..<count { x[i] *= s }
}

/// y[i] += x[i]
@inline(__always)
public func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { y[i] += x[i] }
}
