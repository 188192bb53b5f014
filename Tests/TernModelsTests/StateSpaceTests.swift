import Foundation
import XCTest
import TernGGUF
import TernKernels
import TernModels

/// Mamba-2's two forms of one recurrence: prefill runs chunks of the state-space-dual form, decode
/// the token-by-token recurrence, and both must give the same outputs, across chunk boundaries
/// too (the zoo test checks both against transformers and llama.cpp on a 14-token prompt).
final class StateSpaceTests: XCTestCase {
    func testChunkedPrefillEqualsTheRecurrence() throws {
        // The test model forgets fast (A ≈ -1: half the state is gone after each token), which would
        // hide what one chunk hands the next; A = -0.02 keeps ~40% of the state over a 64-token chunk.
        let model = try ModelRegistry.load(GGUFFile(path: try slowDecayModel()), threads: 2)
        var rng = SystemRandomNumberGenerator()
        let T = 150, V = model.vocabularySize, C = model.hiddenSize  // 150 tokens: chunks of 64, 64 and 22
        let tokens = (0..<T).map { _ in Int.random(in: 0..<V, using: &rng) }
        func logits(batch: Int) -> [Float] {
            let state = model.makeState(contextSize: T, maxBatch: batch, numerics: .exact)
            var hidden = [Float](repeating: 0, count: batch * C), out = [Float](repeating: 0, count: T * V)
            for start in stride(from: 0, to: T, by: batch) {
                let end = min(start + batch, T)
                model.forward(tokens[start..<end], state: state, hidden: &hidden)
                out.withUnsafeMutableBufferPointer { model.logits(hidden, rows: end - start, state: state, out: $0.baseAddress! + start * V) }
            }
            XCTAssertEqual(state.cache.count, T)
            return out
        }
        let chunked = logits(batch: T), recurrent = logits(batch: 1), split = logits(batch: 50)
        let scale = max(1, recurrent.map(abs).max()!)
        var worst: Float = 0, worstSplit: Float = 0
        for i in 0..<T * V {
            worst = max(worst, abs(chunked[i] - recurrent[i]))
            worstSplit = max(worstSplit, abs(split[i] - recurrent[i]))
        }
        XCTAssertLessThan(worst, 1e-4 * scale, "chunked prefill vs the recurrence")
        XCTAssertLessThan(worstSplit, 1e-4 * scale, "prefill in three calls (the state carried between them) vs the recurrence")
    }

    /// The tiny mamba2 model with every head's A set to -0.02, as a temporary file.
    private func slowDecayModel() throws -> String {
        let source = try ArchitectureZooTests.url("mamba2", "model.gguf")
        let file = try GGUFFile(path: source.path)
        var bytes = try Data(contentsOf: source)
        for tensor in file.tensors where tensor.name.hasSuffix(".ssm_a") {
            let start = file.dataOffset + tensor.offset
            for i in 0..<tensor.elementCount {
                withUnsafeBytes(of: Float(-0.02).bitPattern.littleEndian) { bytes.replaceSubrange(start + 4 * i..<start + 4 * i + 4, with: $0) }
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mamba2-slow-\(UUID().uuidString).gguf").path
        try bytes.write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The state is the whole memory: fixed size whatever the context, and a cache goes back only to the start.
    func testRecurrentStateIsFixedSizeAndRewindsOnlyToTheStart() throws {
        let model = try ModelRegistry.load(GGUFFile(path: ArchitectureZooTests.url("mamba2", "model.gguf").path), threads: 1)
        let small = model.makeState(contextSize: 16, maxBatch: 3), large = model.makeState(contextSize: 4096, maxBatch: 3)
        XCTAssertEqual(small.cache.bytes, large.cache.bytes)
        // 2 layers × ((4 − 1) × 192 convolution inputs + 4 heads × 32 × 16 state) floats
        XCTAssertEqual(small.cache.bytes, 2 * (3 * 192 + 4 * 32 * 16) * 4)
        var hidden = [Float](repeating: 0, count: 3 * model.hiddenSize)
        model.forward([5, 6, 7][...], state: small, hidden: &hidden)
        XCTAssertTrue(small.cache.canRewind(to: 0))
        XCTAssertTrue(small.cache.canRewind(to: 3))
        XCTAssertFalse(small.cache.canRewind(to: 2))
        small.cache.count = 0  // clears the state: the same tokens give the same result again
        var again = [Float](repeating: 0, count: 3 * model.hiddenSize)
        model.forward([5, 6, 7][...], state: small, hidden: &again)
        XCTAssertEqual(hidden, again)
    }
}
