// Dot product of one quantized weight row with a float vector, dequantizing on the fly: the inner
// loop of every matrix-vector product (decode). The reference dequantizes a few blocks at a time
// and multiply-adds in element order; the fast kernels keep each block in SIMD registers and
// factor the block scales out of the sums, so they agree with the reference to float rounding
// (about 1e-7 of Σ|w·x|), not bit for bit.

/// Σ w[i]·x[i] over one weight row `w` of `count` elements stored as `type`: plain scalar
/// reference. Equal bit for bit to dequantizing the row with `dequantizeRowReference` and
/// summing `w[i] * x[i]` in order.
///
///     let y = dotRowReference(.q4_K, w.row(r), x, count: 640)   // x: (640)
public func dotRowReference(_ type: GGMLType, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>,
                            count: Int) -> Float {
    assert(count % type.blockSize == 0, "\(type) row of \(count) is not a whole number of blocks")
    // 256 elements is a whole number of blocks for every type, so a chunk never splits a block.
    let chunk = 256
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk) { buffer in
        let w = buffer.baseAddress!  // (chunk)
        var sum: Float = 0
        var i = 0
        while i < count {
            let n = min(chunk, count - i)
            dequantizeRowReference(type, row + i / type.blockSize * type.blockBytes, w, count: n)
            for j in 0..<n { sum += w[j] * x[i + j] }
            i += n
        }
        return sum
    }
}

/// Σ w[i]·x[i] over one weight row `w` of `count` elements stored as `type`, without
/// materialising the row: the fast kernel behind `matmul` for a single token. Agrees with
/// `dotRowReference` to float rounding (summation order differs).
///
///     for r in 0..<w.rows { out[r] = dotRow(w.type, w.row(r), x, count: w.cols) }   // x: (cols)
public func dotRow(_ type: GGMLType, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>,
                   count: Int) -> Float {
    assert(count % type.blockSize == 0, "\(type) row of \(count) is not a whole number of blocks")
    let blocks = count / type.blockSize
    switch type {
    case .f32: return dotF32(row, x, count)
    case .f16: return dotF16(row, x, count)
    case .bf16: return dotBF16(row, x, count)
    case .q4_0: return dotQ4_0(row, x, blocks)
    case .q5_0: return dotQ5_0(row, x, blocks)
    case .q4_1, .q5_1, .tq1_0, .tq2_0: return dotRowReference(type, row, x, count: count)  // rare types: no fast path yet
    case .q8_0: return dotQ8_0(row, x, blocks)
    case .q4_K: return dotQ4_K(row, x, blocks)
    case .q5_K: return dotQ5_K(row, x, blocks)
    case .q6_K: return dotQ6_K(row, x, blocks)
    }
}

// MARK: - Float rows

private func dotF32(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= count {
        acc0.addProduct(row.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), loadFloats8(x + i))
        acc1.addProduct(row.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self), loadFloats8(x + i + 8))
        i += 16
    }
    var sum = (acc0 + acc1).sum()
    while i < count {
        sum += row.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) * x[i]
        i += 1
    }
    return sum
}

private func dotF16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
#if !(arch(x86_64) && os(macOS))
    while i + 16 <= count {
        let h0 = row.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<Float16>.self)
        let h1 = row.loadUnaligned(fromByteOffset: 2 * i + 16, as: SIMD8<Float16>.self)
        acc0.addProduct(toFloats(h0), loadFloats8(x + i))
        acc1.addProduct(toFloats(h1), loadFloats8(x + i + 8))
        i += 16
    }
#endif
    var sum = (acc0 + acc1).sum()
    while i < count {
        sum += halfToFloat(row.u16(2 * i)) * x[i]
        i += 1
    }
    return sum
}

private func dotBF16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= count {
        acc0.addProduct(bf16ToFloat(row.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)),
                        loadFloats8(x + i))
        acc1.addProduct(bf16ToFloat(row.loadUnaligned(fromByteOffset: 2 * i + 16, as: SIMD8<UInt16>.self)),
                        loadFloats8(x + i + 8))
        i += 16
    }
    var sum = (acc0 + acc1).sum()
    while i < count {
        sum += bf16ToFloat(row.u16(2 * i)) * x[i]
        i += 1
    }
    return sum
}

// MARK: - Legacy 32-element blocks: Σ_blocks d · Σ_j q[j]·x[j]

private func dotQ4_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    var acc = SIMD8<Float>()
    for b in 0..<blocks {
        let block = row + 18 * b, xb = x + 32 * b
        let (low, high) = unpackQ4_0(block)
        acc.addProduct(block.half(0), dot16(high, xb + 16, dot16(low, xb, SIMD8())))
    }
    return acc.sum()
}

private func dotQ5_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    q5FifthBits.withUnsafeBufferPointer { table in
        var acc = SIMD8<Float>()
        for b in 0..<blocks {
            let block = row + 22 * b, xb = x + 32 * b
            let (low, high) = unpackQ5_0(block, table.baseAddress!)
            acc.addProduct(block.half(0), dot16(high, xb + 16, dot16(low, xb, SIMD8())))
        }
        return acc.sum()
    }
}

private func dotQ8_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    var acc = SIMD8<Float>()
    for b in 0..<blocks {
        let block = row + 34 * b, xb = x + 32 * b
        let sum = dot16(block.int8x16(18), xb + 16, dot16(block.int8x16(2), xb, SIMD8()))
        acc.addProduct(block.half(0), sum)
    }
    return acc.sum()
}

// MARK: - K-quants

// Q4_K/Q5_K: w = d·scale·q − dmin·min per sub-block of 32, so
// Σ w·x = Σ_sub (d·scale)·Σ q·x − (dmin·min)·Σ x: two sums per sub-block, scaled once.

private func dotQ4_K(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), accMin = SIMD8<Float>()
    for b in 0..<blocks {
        let block = row + 144 * b
        let (scales, mins) = kQuantScales(block + 4, d: block.half(0), dmin: block.half(2))
        for group in 0..<4 {
            let q = block + 16 + 32 * group, xg = x + 256 * b + 64 * group
            let (low0, high0) = unpackNibbles(q.uint8x16(0))
            let (low1, high1) = unpackNibbles(q.uint8x16(16))
            acc0.addProduct(scales[2 * group], dot16(signed(low1), xg + 16, dot16(signed(low0), xg, SIMD8())))
            acc1.addProduct(scales[2 * group + 1], dot16(signed(high1), xg + 48, dot16(signed(high0), xg + 32, SIMD8())))
            accMin.addProduct(mins[2 * group], sum32(xg))
            accMin.addProduct(mins[2 * group + 1], sum32(xg + 32))
        }
    }
    return (acc0 + acc1).sum() - accMin.sum()
}

private func dotQ5_K(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), accMin = SIMD8<Float>()
    for b in 0..<blocks {
        let block = row + 176 * b
        let (scales, mins) = kQuantScales(block + 4, d: block.half(0), dmin: block.half(2))
        for group in 0..<4 {
            let xg = x + 256 * b + 64 * group
            let (low0, high0) = unpackQ5_K(block, group: group, part: 0)
            let (low1, high1) = unpackQ5_K(block, group: group, part: 1)
            acc0.addProduct(scales[2 * group], dot16(low1, xg + 16, dot16(low0, xg, SIMD8())))
            acc1.addProduct(scales[2 * group + 1], dot16(high1, xg + 48, dot16(high0, xg + 32, SIMD8())))
            accMin.addProduct(mins[2 * group], sum32(xg))
            accMin.addProduct(mins[2 * group + 1], sum32(xg + 32))
        }
    }
    return (acc0 + acc1).sum() - accMin.sum()
}

// Q6_K: w = d·scale·q per run of 16, so Σ w·x = Σ_run (d·scale)·Σ q·x. One accumulator per
// quant k of unpackQ6_K keeps four independent FMA chains in flight.
private func dotQ6_K(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
    for b in 0..<blocks {
        let block = row + 210 * b
        let d = block.half(208)
        for half in 0..<2 {
            for part in 0..<2 {
                let (q0, q1, q2, q3) = unpackQ6_K(block, half: half, part: part)
                let scale = block + 192 + 8 * half + part
                let xp = x + 256 * b + 128 * half + 16 * part
                acc0.addProduct(d * Float(scale.i8(0)), dot16(q0, xp, SIMD8()))
                acc1.addProduct(d * Float(scale.i8(2)), dot16(q1, xp + 32, SIMD8()))
                acc2.addProduct(d * Float(scale.i8(4)), dot16(q2, xp + 64, SIMD8()))
                acc3.addProduct(d * Float(scale.i8(6)), dot16(q3, xp + 96, SIMD8()))
            }
        }
    }
    return ((acc0 + acc1) + (acc2 + acc3)).sum()
}

// MARK: - Helpers

/// acc + Σ Float(q[i])·x[i] for 16 elements, as 8 lanes (two FMAs).
@inline(__always)
private func dot16(_ q: SIMD16<Int8>, _ x: UnsafePointer<Float>, _ acc: SIMD8<Float>) -> SIMD8<Float> {
    let (q0, q1) = toFloats(q)
    return acc.addingProduct(q0, loadFloats8(x)).addingProduct(q1, loadFloats8(x + 8))
}

/// x[0..<32] summed into 8 lanes.
@inline(__always)
private func sum32(_ x: UnsafePointer<Float>) -> SIMD8<Float> {
    (loadFloats8(x) + loadFloats8(x + 8)) + (loadFloats8(x + 16) + loadFloats8(x + 24))
}
