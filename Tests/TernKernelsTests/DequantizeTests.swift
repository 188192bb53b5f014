import Foundation
import XCTest
import TernKernels

/// Dequantization against hand-built blocks (expected values worked out in the comments) and
/// against golden data from llama.cpp's gguf-py (scripts/quant_reference.py → quant_golden.json).
final class DequantizeTests: XCTestCase {

    // MARK: Hand-built blocks

    func testQ4_0HandBuilt() {
        // d = 0.5 (0x3800); qs[j] = j | (15 − j) << 4.
        // Element j = (j − 8)·0.5, element 16 + j = ((15 − j) − 8)·0.5 = (7 − j)·0.5.
        var block: [UInt8] = [0x00, 0x38]
        block += (0..<16).map { UInt8($0 | (15 - $0) << 4) }
        let expected: [Float] = [-4, -3.5, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5,
                                 3.5, 3, 2.5, 2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2, -2.5, -3, -3.5, -4]
        assertDequantizes(.q4_0, block, expected)
    }

    func testQ5_0HandBuilt() {
        // d = 0.25 (0x3400); qh = 0x8001_0003 (bits 0, 1, 16, 31); every qs byte 0x5A (low 10, high 5).
        // Elements 0, 1:   (10 | 16) − 16 = 10 → 2.5;   elements 2…15:  10 − 16 = −6 → −1.5.
        // Elements 16, 31: (5 | 16) − 16 = 5 → 1.25;    elements 17…30: 5 − 16 = −11 → −2.75.
        let block: [UInt8] = [0x00, 0x34, 0x03, 0x00, 0x01, 0x80] + Array(repeating: 0x5A, count: 16)
        var expected = [Float](repeating: -1.5, count: 16) + [Float](repeating: -2.75, count: 16)
        expected[0] = 2.5; expected[1] = 2.5; expected[16] = 1.25; expected[31] = 1.25
        assertDequantizes(.q5_0, block, expected)
    }

    func testQ8_0HandBuilt() {
        // d = −0.375 (0xB600: 1.5·2⁻², negative); qs[j] = 8j − 128, then qs[31] = 127.
        // Element j = (8j − 128)·(−0.375) = 48 − 3j; element 16 = 0·(−0.375) = −0 (sign of the
        // product, as in C); element 31 = 127·(−0.375) = −47.625.
        var block: [UInt8] = [0x00, 0xB6] + (0..<32).map { UInt8(truncatingIfNeeded: 8 * $0 - 128) }
        block[2 + 31] = 127
        var expected = (0..<32).map { Float(48 - 3 * $0) }
        expected[16] = -0.0
        expected[31] = -47.625
        assertDequantizes(.q8_0, block, expected)
    }

    /// 12 scale bytes packing scales [1, 2, 3, 63, 17, 33, 48, 63] and mins [0, 5, 62, 7, 16, 1, 40, 63]
    /// the get_scale_min_k4 way. Bytes 0–3: scale j | (scale j+4 >> 4) << 6; bytes 4–7: min j |
    /// (min j+4 >> 4) << 6; bytes 8–11: (scale j+4 & 15) | (min j+4 & 15) << 4. For example
    /// byte 0 = 1 | 1 << 6 = 0x41, byte 10 = (48 & 15) | (40 & 15) << 4 = 0x80.
    let kScales: [UInt8] = [0x41, 0x82, 0xC3, 0xFF, 0x40, 0x05, 0xBE, 0xC7, 0x01, 0x11, 0x80, 0xFF]

    func testKQuantScaleMinBothHalves() {
        kScales.withUnsafeBytes { raw in
            let decoded = (0..<8).map { kQuantScaleMin($0, raw.baseAddress!) }
            XCTAssertEqual(decoded.map(\.scale), [1, 2, 3, 63, 17, 33, 48, 63])
            XCTAssertEqual(decoded.map(\.min), [0, 5, 62, 7, 16, 1, 40, 63])
            // The branch-free decoder of the fast kernels, with d = 2 and dmin = 0.5.
            let (scales, mins) = kQuantScales(raw.baseAddress!, d: 2, dmin: 0.5)
            XCTAssertEqual(scales, [2, 4, 6, 126, 34, 66, 96, 126])
            XCTAssertEqual(mins, [0, 2.5, 31, 3.5, 8, 0.5, 20, 31.5])
        }
    }

    /// The branch-free decoder against get_scale_min_k4's definition on random scale bytes.
    func testKQuantScalesMatchesScaleMin() {
        var rng = QuantTestRandom(seed: 7)
        for _ in 0..<2000 {
            let packed = (0..<12).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            packed.withUnsafeBytes { raw in
                let (scales, mins) = kQuantScales(raw.baseAddress!, d: 1, dmin: 1)
                for j in 0..<8 {
                    let (scale, min) = kQuantScaleMin(j, raw.baseAddress!)
                    XCTAssertEqual(scales[j], Float(scale), "\(packed) sub-block \(j)")
                    XCTAssertEqual(mins[j], Float(min), "\(packed) sub-block \(j)")
                }
            }
        }
    }

    func testQ4_KHandBuilt() {
        // d = 1 (0x3C00), dmin = 0.5 (0x3800), scales/mins as kScales; every qs byte 0x7A, so
        // even sub-blocks (low nibbles) have q = 10 and odd ones (high nibbles) q = 7.
        // value = scale·q − 0.5·min:
        //   sub 0: 1·10 − 0 = 10        sub 1: 2·7 − 2.5 = 11.5    sub 2: 3·10 − 31 = −1
        //   sub 3: 63·7 − 3.5 = 437.5   sub 4: 17·10 − 8 = 162     sub 5: 33·7 − 0.5 = 230.5
        //   sub 6: 48·10 − 20 = 460     sub 7: 63·7 − 31.5 = 409.5
        let block: [UInt8] = [0x00, 0x3C, 0x00, 0x38] + kScales + Array(repeating: 0x7A, count: 128)
        let perSub: [Float] = [10, 11.5, -1, 437.5, 162, 230.5, 460, 409.5]
        assertDequantizes(.q4_K, block, perSub.flatMap { Array(repeating: $0, count: 32) })
    }

    func testQ5_KHandBuilt() {
        // d = 0.5 (0x3800), dmin = 0.25 (0x3400), scales/mins as kScales; every qh byte 0x99
        // (bits 0, 3, 4, 7: group g's first sub-block gets +16 when g is even, its second when g is
        // odd); every qs byte 0x7A (low 10, high 7). So q per sub-block = [26, 7, 10, 23, 26, 7, 10, 23].
        // value = 0.5·scale·q − 0.25·min:
        //   sub 0: 0.5·1·26 − 0 = 13         sub 1: 0.5·2·7 − 1.25 = 5.75
        //   sub 2: 0.5·3·10 − 15.5 = −0.5    sub 3: 0.5·63·23 − 1.75 = 722.75
        //   sub 4: 0.5·17·26 − 4 = 217       sub 5: 0.5·33·7 − 0.25 = 115.25
        //   sub 6: 0.5·48·10 − 10 = 230      sub 7: 0.5·63·23 − 15.75 = 708.75
        let block: [UInt8] = [0x00, 0x38, 0x00, 0x34] + kScales
            + Array(repeating: 0x99, count: 32) + Array(repeating: 0x7A, count: 128)
        let perSub: [Float] = [13, 5.75, -0.5, 722.75, 217, 115.25, 230, 708.75]
        assertDequantizes(.q5_K, block, perSub.flatMap { Array(repeating: $0, count: 32) })
    }

    func testQ6_KHandBuilt() {
        // In each half: ql[0..<32] = 0x21 (low 1, high 2), ql[32..<64] = 0x43 (low 3, high 4);
        // every qh byte 0xE4 = 0b11_10_01_00. Quant k of a half (elements 32k ..< 32k + 32):
        //   k 0: 1 | 0 << 4 = 1 → −31     k 1: 3 | 1 << 4 = 19 → −13
        //   k 2: 2 | 2 << 4 = 34 → 2      k 3: 4 | 3 << 4 = 52 → 20
        // Run r of 16 elements uses scale r (signed); d = 0.5 (0x3800). value = 0.5·scale·q:
        //   r0: 0.5·1·−31 = −15.5   r1: 0.5·−1·−31 = 15.5   r2: 0.5·2·−13 = −13   r3: 13
        //   r4: 0.5·3·2 = 3         r5: −3                  r6: 0.5·4·20 = 40     r7: −40
        //   r8: 0.5·127·−31 = −1968.5   r9: 0.5·−128·−31 = 1984   r10: 0.5·5·−13 = −32.5   r11: 32.5
        //   r12: 0.5·6·2 = 6        r13: −6                 r14: 0.5·7·20 = 70    r15: −70
        let halfQl = Array(repeating: UInt8(0x21), count: 32) + Array(repeating: UInt8(0x43), count: 32)
        let scales: [Int8] = [1, -1, 2, -2, 3, -3, 4, -4, 127, -128, 5, -5, 6, -6, 7, -7]
        let block: [UInt8] = halfQl + halfQl + Array(repeating: 0xE4, count: 64)
            + scales.map { UInt8(bitPattern: $0) } + [0x00, 0x38]
        let perRun: [Float] = [-15.5, 15.5, -13, 13, 3, -3, 40, -40,
                               -1968.5, 1984, -32.5, 32.5, 6, -6, 70, -70]
        assertDequantizes(.q6_K, block, perRun.flatMap { Array(repeating: $0, count: 16) })
    }

    func testFloatRowsHandBuilt() {
        // f16: 1.0, −2.0, 2⁻²⁴ (smallest subnormal), 65504 (largest finite), −0, 1365/4096.
        let halves: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x7BFF, 0x8000, 0x3555]
        assertDequantizes(.f16, quantBytes(of: halves), [1, -2, 0x1p-24, 65504, -0.0, 0.333251953125])
        // bf16 is the top half of a binary32: 0x3F80 → 1, 0xC040 → −3, 0x0001 → 2⁻¹³³ (0x0001_0000).
        let bf: [UInt16] = [0x3F80, 0xC040, 0x0001, 0x7F80]
        assertDequantizes(.bf16, quantBytes(of: bf), [1, -3, 0x1p-133, .infinity])
        assertDequantizes(.f32, quantBytes(of: [Float(1.5), -0.25]), [1.5, -0.25])
    }

    // MARK: Half precision

    func testHalfToFloatSpecialValues() {
        for convert in [halfToFloat, halfToFloatBits] {
            XCTAssertEqual(convert(0x3C00), 1)
            XCTAssertEqual(convert(0x0001), 0x1p-24)           // smallest subnormal
            XCTAssertEqual(convert(0x03FF), 1023 * 0x1p-24)    // largest subnormal
            XCTAssertEqual(convert(0x0400), 0x1p-14)           // smallest normal
            XCTAssertEqual(convert(0x7BFF), 65504)
            XCTAssertEqual(convert(0x7C00), .infinity)
            XCTAssertEqual(convert(0xFC00), -.infinity)
            XCTAssertTrue(convert(0x7E00).isNaN)
            XCTAssertTrue(convert(0x7C01).isNaN)               // signalling pattern: still NaN
            XCTAssertEqual(convert(0x8000).bitPattern, 0x8000_0000)   // −0 keeps its sign
        }
    }

    /// Every one of the 65536 halves against sign · 2^(e−15) · (1 + m/1024) (or m·2⁻²⁴ when e = 0),
    /// worked out in Double.
    func testHalfToFloatExhaustive() {
        for bits in 0...UInt16.max {
            let sign: Double = bits & 0x8000 != 0 ? -1 : 1
            let e = Int(bits >> 10) & 0x1F, m = Double(bits & 0x3FF)
            let value: Double
            if e == 0x1F { value = m == 0 ? sign * .infinity : .nan }
            else if e == 0 { value = sign * m * 0x1p-24 }
            else { value = sign * (1 + m / 1024) * pow(2, Double(e - 15)) }
            for got in [halfToFloat(bits), halfToFloatBits(bits)] {
                if value.isNaN { XCTAssertTrue(got.isNaN, "\(bits)"); continue }
                XCTAssertEqual(got.bitPattern, Float(value).bitPattern, "half 0x\(String(bits, radix: 16))")
            }
        }
    }

    func testFloatToHalfHandPicked() {
        for convert in [floatToHalf, floatToHalfBits] {
            XCTAssertEqual(convert(1), 0x3C00)
            XCTAssertEqual(convert(-0.0), 0x8000)
            XCTAssertEqual(convert(65504), 0x7BFF)
            XCTAssertEqual(convert(65519.996), 0x7BFF)     // just below the tie with 2¹⁶
            XCTAssertEqual(convert(65520), 0x7C00)         // tie: 65504 has an odd mantissa → up
            XCTAssertEqual(convert(.infinity), 0x7C00)
            XCTAssertEqual(convert(0x1p-24), 0x0001)
            XCTAssertEqual(convert(0x1p-25), 0x0000)       // tie between 0 and 2⁻²⁴ → even 0
            XCTAssertEqual(convert(1.5 * 0x1p-25), 0x0001)
            XCTAssertEqual(convert(3 * 0x1p-25), 0x0002)   // 1.5 ulps: tie → even 2
            XCTAssertEqual(convert(1 + 0x1p-11), 0x3C00)   // tie between 1 and 1 + 2⁻¹⁰ → even
            XCTAssertEqual(convert(1 + 3 * 0x1p-11), 0x3C02)
            XCTAssertEqual(convert(1e-10), 0x0000)
            XCTAssertEqual(convert(.nan) & 0x7E00, 0x7E00) // a quiet NaN
        }
    }

    /// Round to nearest even, exhaustively: every finite half converts back to itself, and the
    /// midpoint between neighbours goes to the one with an even mantissa (just off it, to the nearer).
    func testFloatToHalfRoundsToNearestEven() {
        for convert in [floatToHalf, floatToHalfBits] {
            for h in UInt16(0)..<0x7BFF {
                let a = halfToFloatBits(h), b = halfToFloatBits(h + 1)
                let mid = (a + b) / 2   // exact: halves carry 11 significant bits, floats 24
                let even = h & 1 == 0 ? h : h + 1
                XCTAssertEqual(convert(a), h)
                XCTAssertEqual(convert(-a), h | 0x8000)
                XCTAssertEqual(convert(mid), even, "midpoint above 0x\(String(h, radix: 16))")
                XCTAssertEqual(convert(-mid), even | 0x8000)
                XCTAssertEqual(convert(mid.nextDown), h)
                XCTAssertEqual(convert(mid.nextUp), h + 1)
            }
        }
    }

    // MARK: Golden data from gguf-py

    func testGoldenFromGGUFPy() throws {
        let golden = try QuantGoldenFixture.load()
        XCTAssertEqual(Set(golden.cases.map(\.type)), Set(GGMLType.allCases), "a type has no golden case")
        for c in golden.cases {
            XCTAssertEqual(c.type.rowBytes(c.count), c.raw.count, "\(c.type) raw size")
            for (name, dequantize) in [("reference", dequantizeRowReference), ("fast", dequantizeRow)] {
                // Offset by one byte: GGUF data is packed, so reads must be unaligned-safe.
                let got = dequantizeUnaligned(c.type, c.raw, count: c.count, with: dequantize)
                for i in 0..<c.count where !sameFloatOrNaN(got[i], c.expected[i]) {
                    XCTFail("\(name) \(c.type)[\(i)] = \(got[i]), gguf-py says \(c.expected[i])")
                    break
                }
            }
        }
    }

    func testFloatToHalfMatchesNumPy() throws {
        let golden = try QuantGoldenFixture.load()
        XCTAssertGreaterThan(golden.floatToHalfInput.count, 1000)
        for (f, h) in zip(golden.floatToHalfInput, golden.floatToHalfExpected) {
            XCTAssertEqual(floatToHalf(f), h, "\(f)")
            XCTAssertEqual(floatToHalfBits(f), h, "\(f)")
        }
    }

    // MARK: Helpers

    private func assertDequantizes(_ type: GGMLType, _ block: [UInt8], _ expected: [Float],
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(type.rowBytes(expected.count), block.count, "block size", file: file, line: line)
        for dequantize in [dequantizeRowReference, dequantizeRow] {
            let got = dequantizeUnaligned(type, block, count: expected.count, with: dequantize)
            XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(type): \(got)",
                           file: file, line: line)
        }
    }
}

typealias Dequantizer = (GGMLType, UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void

/// Runs `dequantize` on `raw` copied to an odd address.
func dequantizeUnaligned(_ type: GGMLType, _ raw: [UInt8], count: Int, with dequantize: Dequantizer) -> [Float] {
    let shifted = [0xEE] + raw
    var out = [Float](repeating: .nan, count: count)
    shifted.withUnsafeBytes { src in
        out.withUnsafeMutableBufferPointer { dequantize(type, src.baseAddress! + 1, $0.baseAddress!, count) }
    }
    return out
}

/// Equal bit patterns, or both NaN (NaN payloads may differ between conversion routes).
func sameFloatOrNaN(_ a: Float, _ b: Float) -> Bool {
    a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
}

func quantBytes<T>(of values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// Tests/TernKernelsTests/Fixtures/quant_golden.json, written by scripts/quant_reference.py.
struct QuantGoldenFixture {
    struct Case {
        let type: GGMLType
        let count: Int
        let raw: [UInt8]
        let expected: [Float]
    }
    let cases: [Case]
    let floatToHalfInput: [Float]
    let floatToHalfExpected: [UInt16]

    private struct File: Decodable {
        struct RawCase: Decodable { let type: String; let id: UInt32; let count: Int; let raw: String; let expected: String }
        struct Halves: Decodable { let input: String; let expected: String }
        let cases: [RawCase]
        let floatToHalf: Halves
    }

    static func load() throws -> QuantGoldenFixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "quant_golden", withExtension: "json",
                                                  subdirectory: "Fixtures"),
                                "quant_golden.json missing: run scripts/quant_reference.py")
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        let cases = try file.cases.map { c in
            let type = try XCTUnwrap(GGMLType(rawValue: c.id), "unknown type \(c.type)")
            XCTAssertEqual(type.description, c.type)
            return Case(type: type, count: c.count, raw: hex(c.raw),
                        expected: littleEndian(hex(c.expected), as: UInt32.self).map(Float.init(bitPattern:)))
        }
        return QuantGoldenFixture(cases: cases,
                             floatToHalfInput: littleEndian(hex(file.floatToHalf.input), as: UInt32.self)
                                 .map(Float.init(bitPattern:)),
                             floatToHalfExpected: littleEndian(hex(file.floatToHalf.expected), as: UInt16.self))
    }

    private static func hex(_ s: String) -> [UInt8] {
        let digits = Array(s.utf8).map { $0 <= 57 ? $0 - 48 : $0 - 87 }   // '0'–'9', 'a'–'f'
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    private static func littleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], as: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        return stride(from: 0, to: bytes.count, by: size).map { start in
            (0..<size).reduce(T(0)) { $0 | T(bytes[start + $1]) << (8 * $1) }
        }
    }
}
