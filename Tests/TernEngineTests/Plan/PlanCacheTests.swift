import Foundation
import TernEngine
import TernGGUF
import TernStore
import XCTest

/// KV-cache bytes per token for each attention variant, worked by hand on made-up shapes of
/// well-known models, and Gemma 3's sliding-window cap.
final class PlanCacheTests: XCTestCase {
    /// 32 layers of 32 heads of 128, F16: 2 (K, V) · 32 · 128 · 2 bytes · 32 layers = 512 KiB per
    /// token, Llama 2 7B's well-known figure; GQA with 8 KV heads a quarter of it, MQA 1/32.
    func testMultiHeadGroupedAndMultiQuery() {
        for (kvHeads, bytes, variant) in [(32, 524_288, AttentionVariant.multiHead), (8, 131_072, .groupedQuery(groups: 4)),
                                          (1, 16_384, .multiQuery)] {
            let model = PlanFixtures.decoder(layers: 32, dim: 4096, heads: 32, kvHeads: kvHeads, headDim: 128, ffn: 11008, vocabulary: 32000)
            let kv = KVCacheSize(model)
            XCTAssertEqual(model.attention.variant, variant)
            XCTAssertEqual(kv.bytesPerToken, bytes)
            XCTAssertEqual(kv.mhaBytesPerToken, 524_288)
            XCTAssertEqual(kv.bytes(context: 4096), bytes * 4096)
            XCTAssertEqual(kv.stateBytesPerSequence, 0)
        }
    }

    /// DeepSeek-V2's shape: 60 layers caching a 512-wide latent plus a 64-wide rotary key
    /// (576 · 2 bytes · 60 = 69 120 bytes per token), against MHA of its 128 heads with keys of
    /// 128 + 64 and values of 128 (128 · 320 · 2 · 60 = 4 915 200).
    func testMultiHeadLatentAttention() {
        var model = PlanFixtures.decoder(layers: 60, dim: 5120, heads: 128, kvHeads: 128, headDim: 192, ffn: 12288, vocabulary: 102_400)
        model.attention = AttentionShape(heads: 128, kvHeads: 128, keyDim: 192, valueDim: 128,
                                         variant: .multiHeadLatent(kvLoraRank: 512, ropeDim: 64))
        let kv = KVCacheSize(model)
        XCTAssertEqual(kv.bytesPerToken, 69_120)
        XCTAssertEqual(kv.mhaBytesPerToken, 4_915_200)
        XCTAssertEqual(kv.bytes(context: 1000), 69_120_000)
    }

    /// Mamba 2 370M's shape: 48 layers, inner 2048, state 128, one group, kernel 4. Per layer in
    /// F32: conv 3 · (2048 + 2 · 128) + scan 128 · 2048 = 269 056 floats; 51 658 752 bytes per
    /// sequence at any context, nothing per token.
    func testStateSpaceState() {
        var model = PlanFixtures.decoder(layers: 48, dim: 1024, heads: 1, kvHeads: 1, headDim: 64, ffn: 64, vocabulary: 50288)
        model.attention = AttentionShape(heads: 32, kvHeads: 0, keyDim: 0, valueDim: 0,
                                         variant: .stateSpace(convKernel: 4, convChannels: 2048 + 2 * 128, innerSize: 2048, stateSize: 128))
        let kv = KVCacheSize(model)
        XCTAssertEqual(kv.bytesPerToken, 0)
        XCTAssertEqual(kv.stateBytesPerSequence, 51_658_752)
        XCTAssertEqual(kv.bytes(context: 1), 51_658_752)
        XCTAssertEqual(kv.bytes(context: 100_000), 51_658_752)
        XCTAssertEqual(kv.mhaBytesPerToken, 48 * 2 * 1024 * 2)  // a transformer of the same width
    }

    /// The tiny DeepSeek-V2 and Mamba 2 from their (header-only) GGUFs: latent 32 + rope 8 over 2
    /// layers; conv 3 · (128 + 2 · 2 · 16) + scan 16 · 128 floats over 2 layers.
    func testLatentAndStateFromGGUFHeaders() throws {
        let deepseek = KVCacheSize(try PlanFixtures.model(gguf: "deepseek2"))
        XCTAssertEqual(deepseek.bytesPerToken, 2 * (32 + 8) * 2)
        XCTAssertEqual(deepseek.mhaBytesPerToken, 2 * 4 * (24 + 16) * 2)
        let mamba = KVCacheSize(try PlanFixtures.model(gguf: "mamba2"))
        XCTAssertEqual(mamba.stateBytesPerSequence, 2 * (3 * 192 + 16 * 128) * 4)
        // Decode reads the state and writes it back, whatever the context.
        let machine = MachineProfile(cpu: "test CPU", isa: "generic", threads: 2, bandwidth: 1e10, int8OpsPerSecond: 2e11,
                                     int8DecodeOpsPerSecond: 5e10, f32FlopsPerSecond: 1e10, measuredAt: "")
        for context in [16, 4096] {
            let speed = SpeedPrediction(try PlanFixtures.model(gguf: "mamba2"), machine: machine, context: context, prompt: 8)
            XCTAssertEqual(speed.decodeCacheBytesPerToken, Double(2 * mamba.stateBytesPerSequence))
        }
        XCTAssertEqual(try PlanFixtures.model(gguf: "falcon").attention.variant, .multiQuery)
        XCTAssertEqual(try PlanFixtures.model(gguf: "llama").attention.variant, .groupedQuery(groups: 2))
        XCTAssertEqual(try PlanFixtures.model(gguf: "gpt2").attention.variant, .multiHead)
    }

    /// Gemma 3 270M: 18 layers, one KV head of 256 (1024 bytes per token per layer); layers 5, 11
    /// and 17 are global, the other 15 keep at most 512 positions.
    func testGemma3SlidingWindowCapsTheCache() throws {
        var model = PlanFixtures.decoder(layers: 18, dim: 640, heads: 4, kvHeads: 1, headDim: 256, ffn: 2048, vocabulary: 262_144, tied: true)
        model.slidingWindow = SlidingWindow(window: 512, layers: 18, globalEvery: 6)
        let kv = KVCacheSize(model)
        XCTAssertEqual(model.slidingWindow?.slidingLayers.enumerated().filter { !$0.element }.map(\.offset), [5, 11, 17])
        XCTAssertEqual(kv.bytesPerToken, 18 * 1024)
        XCTAssertEqual(kv.bytes(context: 100), 18 * 100 * 1024)  // under the window nothing is capped
        XCTAssertEqual(kv.bytes(context: 32768), (3 * 32768 + 15 * 512) * 1024)
        XCTAssertEqual(kv.mhaBytes(context: 32768), 4 * (3 * 32768 + 15 * 512) * 1024)

        // The same from the config.json and, where it is installed, the real model's header.
        XCTAssertEqual(KVCacheSize(try PlanFixtures.model(config: "gemma3")).bytes(context: 32768), (3 * 32768 + 15 * 512) * 1024)
        let path = try ModelStore().resolve(ModelStore.defaultModelName)
        let real = try ModelDescription(gguf: GGUFHeader(path: path))
        XCTAssertEqual(real.slidingWindow, model.slidingWindow)
        XCTAssertEqual(KVCacheSize(real).bytes(context: 32768), (3 * 32768 + 15 * 512) * 1024)
    }
}
