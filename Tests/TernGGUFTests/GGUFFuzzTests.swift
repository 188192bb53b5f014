import TernGGUF
import XCTest

/// Deterministic fuzzing of the reader: thousands of damaged copies of a realistic header must each
/// either load (with every tensor inside the file) or throw a GGUFError — never crash, hang or
/// allocate by a corrupt count.
final class GGUFFuzzTests: XCTestCase {
    private var kinds: [GGUFError.Kind: Int] = [:]
    private var cases = 0

    /// Parses `bytes` and checks what a successful load promises; returns the error, if any.
    @discardableResult
    private func load(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
        cases += 1
        let outcome = bytes.withUnsafeBytes { buffer -> GGUFError? in
            do throws(GGUFError) {
                let gguf = try GGUFFile(bytes: buffer)
                XCTAssertTrue(gguf.alignment > 0 && gguf.alignment & (gguf.alignment - 1) == 0, file: file, line: line)
                XCTAssertEqual(gguf.metadataKeys.count, gguf.metadata.count, file: file, line: line)
                for tensor in gguf.tensors {
                    XCTAssertLessThanOrEqual(tensor.shape.count, 4, file: file, line: line)
                    XCTAssertEqual(tensor.shape.reduce(1, *), tensor.elementCount, file: file, line: line)
                    XCTAssertEqual(tensor.offset % gguf.alignment, 0, file: file, line: line)
                    XCTAssertLessThanOrEqual(gguf.dataOffset + tensor.offset + tensor.byteCount, buffer.count, file: file, line: line)
                }
                return nil
            } catch {
                XCTAssertFalse(error.field.isEmpty, file: file, line: line)
                XCTAssertGreaterThanOrEqual(error.offset, 0, file: file, line: line)
                return error
            }
        }
        if let outcome { kinds[outcome.kind, default: 0] += 1 }
        return outcome
    }

    func testDamagedHeadersLoadOrThrow() throws {
        let base = Samples.modelWriter().serialized()
        let original = try parse(base)
        let fields = FieldMap(base)
        XCTAssertEqual((fields.headerEnd + 31) / 32 * 32, original.dataOffset, "the walker disagrees with the reader")
        let requiredEnd = original.tensors.map { original.dataOffset + $0.offset + $0.byteCount }.max() ?? 0

        // 1. Truncated at every length: a cut file is always reported as truncated.
        for length in 0..<base.count {
            let error = load(Array(base[..<length]))
            if length < requiredEnd {
                XCTAssertEqual(error?.kind, .truncated, "cut at \(length)")
            }
        }

        // 2. Counts, lengths, dims and offsets set to huge, boundary and off-by-one values.
        for offset in fields.u64Fields {
            let old = base[offset..<offset + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
            let left = UInt64(base.count - offset - 8)
            let values: [UInt64] = [
                .max, 1 << 63, 1 << 62, 1 << 31, UInt64(UInt32.max), UInt64(Int.max), UInt64(base.count),
                left, left + 1, left &+ 8, old &+ 1, old &- 1, old &+ 32, 0,
            ]
            for value in values { load(patched(base, at: offset, value, bytes: 8)) }
        }
        for offset in fields.u32Fields {
            for value: UInt32 in [0, 1, 4, 5, 7, 8, 9, 12, 13, 16, 30, 31, 99, .max] {
                load(patched(base, at: offset, UInt64(value), bytes: 4))
            }
        }

        // 3. Random bit flips, mostly in the header.
        var rng = SplitMix64(state: 0x6767_7566)
        for round in 0..<3000 {
            var damaged = base
            let span = round % 4 == 0 ? damaged.count : fields.headerEnd
            for _ in 0...rng.below(3) {
                damaged[rng.below(span)] ^= 1 << UInt8(rng.below(8))
            }
            load(damaged)
        }

        // 4. Random 8-byte splats and a random cut.
        for _ in 0..<1000 {
            var damaged = base
            let at = rng.below(fields.headerEnd - 8)
            for i in 0..<8 { damaged[at + i] = UInt8(truncatingIfNeeded: rng.next()) }
            load(Array(damaged[..<(fields.headerEnd + rng.below(damaged.count - fields.headerEnd))]))
        }

        XCTAssertGreaterThanOrEqual(cases, 5000)
        for kind: GGUFError.Kind in [.notGGUF, .unsupportedVersion, .truncated, .invalidValue, .unsupportedTensorType] {
            XCTAssertGreaterThan(kinds[kind, default: 0], 0, "no fuzz case produced \(kind)")
        }
        print("GGUF fuzz: \(cases) cases, errors by kind: \(kinds)")
    }

    private func patched(_ bytes: [UInt8], at offset: Int, _ value: UInt64, bytes count: Int) -> [UInt8] {
        var copy = bytes
        for i in 0..<count { copy[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        return copy
    }
}

/// The offsets of every count, length, dim, offset (u64) and type id or n_dims (u32) in a valid
/// GGUF file, found by walking it independently of the reader under test.
struct FieldMap {
    var u64Fields: [Int] = []
    var u32Fields: [Int] = []
    /// Where the tensor infos end.
    var headerEnd = 0

    init(_ bytes: [UInt8]) {
        var at = 8
        func u32() -> UInt32 {
            defer { at += 4 }
            return (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
        }
        func u64() -> UInt64 {
            defer { at += 8 }
            return (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
        }
        func count() -> Int { u64Fields.append(at); return Int(u64()) }
        func type() -> UInt32 { u32Fields.append(at); return u32() }
        func string() { at += count() }
        func value(_ kind: UInt32) {
            switch kind {
            case 0, 1, 7: at += 1
            case 2, 3: at += 2
            case 4, 5, 6: at += 4
            case 10, 11, 12: at += 8
            case 8: string()
            default:
                let element = type()
                for _ in 0..<count() { value(element) }
            }
        }
        let tensors = count()
        let keys = count()
        for _ in 0..<keys {
            string()
            value(type())
        }
        for _ in 0..<tensors {
            string()
            for _ in 0..<type() { _ = count() }  // n_dims, then the dims
            _ = type()
            _ = count()  // offset
        }
        headerEnd = at
    }
}
