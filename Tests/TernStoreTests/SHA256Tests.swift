import Foundation
import XCTest
import TernStore

/// Golden digests are the FIPS 180-4 / NIST examples and `sha256sum` (GNU coreutils) output.
final class SHA256Tests: XCTestCase {
    func testNISTVectors() {
        XCTAssertEqual(SHA256.hash([UInt8]()).hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash(Array("abc".utf8)).hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex,
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let long = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(SHA256.hash(Array(long.utf8)).hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 1_000_000)).hex,
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries (55 fits the length in one block, 56 needs a second).
    func testPaddingBoundaries() {
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
            119: "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb",
            120: "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c",
        ]
        for (count, hex) in expected {
            XCTAssertEqual(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: count)).hex, hex, "\(count) × a")
        }
    }

    /// Feeding the message in uneven pieces must not change the digest.
    func testIncrementalUpdatesMatchOneShot() {
        var generator = SplitMix64(seed: 7)
        let message = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = SHA256.hash(message)
        for pieces in [[1, 63, 64, 65], [7, 1000, 3], [127, 129, 4096]] {
            var sha = SHA256()
            var start = 0, i = 0
            while start < message.count {
                let end = min(message.count, start + pieces[i % pieces.count])
                sha.update(Array(message[start..<end]))
                start = end
                i += 1
            }
            XCTAssertEqual(sha.finalize(), whole, "pieces \(pieces)")
        }
    }

    func testRandomFileMatchesSha256sum() throws {
        guard let sha256sum = ["/usr/bin/sha256sum", "/bin/sha256sum"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("sha256sum is not installed")
        }
        var generator = SplitMix64(seed: 42)
        let bytes = (0..<3_000_017).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = try temporaryDirectory() + "/random.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sha256sum)
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(SHA256.hash(bytes).hex, String(output.prefix(64)))
    }

    /// Not a pass/fail bound (machines differ): prints MB/s per CPU second of this thread, so other
    /// processes on a shared machine do not skew it.
    func testThroughput() {
        let buffer = [UInt8](repeating: 0x5a, count: 64 << 20)
        var sha = SHA256()
        let start = threadCPUSeconds()
        buffer.withUnsafeBytes { sha.update($0) }
        let seconds = threadCPUSeconds() - start
        XCTAssertEqual(sha.finalize().bytes.count, 32)
        print(String(format: "SHA256 throughput: %.0f MB/s (64 MiB in %.3f CPU s)", Double(buffer.count) / 1e6 / seconds, seconds))
    }

    private func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}

/// A small deterministic generator, so test data is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
