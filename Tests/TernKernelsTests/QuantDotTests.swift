import Foundation
import XCTest
import TernKernels

/// Fast kernels against the scalar references, over every type and several row lengths, on
/// random rows (seeded) whose fp16 scales are finite.
final class QuantDotTests: XCTestCase {

    /// Row lengths per type: 1, 2, 3 and 20 blocks, plus the model's widths where they fit.
    private func lengths(_ type: GGMLType) -> [Int] {
        switch type.blockSize {
        case 1: return [1, 7, 16, 33, 640, 2048]
        case 32: return [32, 64, 96, 640, 2048]
        default: return [256, 512, 768, 2048, 5120]
        }
    }

    func testFastDequantizeEqualsReference() {
        var rng = QuantTestRandom(seed: 1)
        for type in GGMLType.allCases {
            for count in lengths(type) {
                let row = randomRow(type, count: count, rng: &rng)
                let reference = dequantizeUnaligned(type, row, count: count, with: dequantizeRowReference)
                let fast = dequantizeUnaligned(type, row, count: count, with: dequantizeRow)
                XCTAssertEqual(fast.map(\.bitPattern), reference.map(\.bitPattern), "\(type) × \(count)")
            }
        }
    }

    func testDotRowReferenceIsPlainDotOfDequantizedRow() {
        var rng = QuantTestRandom(seed: 2)
        for type in GGMLType.allCases {
            for count in lengths(type) {
                let row = randomRow(type, count: count, rng: &rng)
                let x = (0..<count).map { _ in rng.nextNormal() }
                let w = dequantizeUnaligned(type, row, count: count, with: dequantizeRowReference)
                var plain: Float = 0
                for i in 0..<count { plain += w[i] * x[i] }
                let got = dot(type, row, x, with: dotRowReference)
                XCTAssertEqual(got.bitPattern, plain.bitPattern, "\(type) × \(count): \(got) vs \(plain)")
            }
        }
    }

    /// dotRow sums in a different order (per-block partial sums, 8 lanes), so it may differ from
    /// the in-order reference by float rounding: bounded here by 1e-5 of Σ|w·x|, the scale of the
    /// terms (a bound relative to the result itself would be meaningless when terms cancel).
    func testFastDotMatchesReference() {
        var rng = QuantTestRandom(seed: 3)
        for type in GGMLType.allCases {
            for count in lengths(type) {
                let row = randomRow(type, count: count, rng: &rng)
                let x = (0..<count).map { _ in rng.nextNormal() }
                let w = dequantizeUnaligned(type, row, count: count, with: dequantizeRowReference)
                let magnitude = zip(w, x).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
                let reference = dot(type, row, x, with: dotRowReference)
                let fast = dot(type, row, x, with: dotRow)
                XCTAssertLessThanOrEqual(abs(fast - reference), 1e-5 * magnitude,
                                         "\(type) × \(count): fast \(fast), reference \(reference)")
            }
        }
    }

    // MARK: Helpers

    /// Random bytes with every fp16 scale field replaced by a finite value (some negative, some
    /// subnormal); float types get random finite values instead.
    private func randomRow(_ type: GGMLType, count: Int, rng: inout QuantTestRandom) -> [UInt8] {
        switch type {
        case .f32: return quantBytes(of: (0..<count).map { _ in rng.nextNormal() })
        case .f16: return quantBytes(of: (0..<count).map { _ in floatToHalf(rng.nextNormal()) })
        case .bf16: return quantBytes(of: (0..<count).map { _ in UInt16(rng.nextNormal().bitPattern >> 16) })
        default: break
        }
        let blocks = count / type.blockSize
        var raw = (0..<blocks * type.blockBytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let scaleOffsets: [Int] = switch type {
        case .q4_K, .q5_K, .q4_1, .q5_1: [0, 2]
        case .q6_K: [208]
        default: [0]
        }
        for b in 0..<blocks {
            for offset in scaleOffsets {
                // Mostly ~0.02 in magnitude; every 7th draw a subnormal half.
                let h: UInt16 = rng.next() % 7 == 0 ? UInt16(rng.next() % 0x400)
                                                      : floatToHalf(0.02 * rng.nextNormal())
                raw[b * type.blockBytes + offset] = UInt8(h & 0xFF)
                raw[b * type.blockBytes + offset + 1] = UInt8(h >> 8)
            }
        }
        return raw
    }

    /// Runs a dot kernel on `row` copied to an odd address.
    private func dot(_ type: GGMLType, _ row: [UInt8], _ x: [Float],
                     with kernel: (GGMLType, UnsafeRawPointer, UnsafePointer<Float>, Int) -> Float) -> Float {
        let shifted = [0xEE] + row
        return shifted.withUnsafeBytes { src in
            x.withUnsafeBufferPointer { kernel(type, src.baseAddress! + 1, $0.baseAddress!, x.count) }
        }
    }
}

/// Small seeded generator (SplitMix64) so failures reproduce.
struct QuantTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Standard normal (Box–Muller).
    mutating func nextNormal() -> Float {
        let u1 = Double.random(in: .ulpOfOne..<1, using: &self), u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}
