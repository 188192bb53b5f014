import Foundation
import TernEngine
import TernGGUF
import XCTest

/// Weight, LoRA, AdamW and activation memory worked by hand on the tiny Llama (F32 file: 64 wide,
/// 2 layers, 4 query heads over 2 KV heads of 16, MLP 128, vocabulary 512, 139 584 parameters).
final class PlanMemoryTests: XCTestCase {
    func testWeightsAtEachWidth() throws {
        let memory = MemoryEstimate(try PlanFixtures.model(gguf: "llama"), context: 8, batch: 2, loraRank: 16)
        XCTAssertEqual(memory.weights[.fp32], 4 * 139_584)
        XCTAssertEqual(memory.weights[.bf16], 2 * 139_584)
        XCTAssertEqual(memory.weights[.int8], 139_584)
        XCTAssertEqual(memory.weights[.q4], 69_792)
        // As stored: every tensor in F32, the 8 RoPE frequency factors too.
        XCTAssertEqual(memory.storedWeights, 4 * (139_584 + 8))
        XCTAssertEqual(memory.ruleOfThumb, Int((Double(4 * 139_592) * 1.2).rounded()))
        // Two sequences of 8 positions: 2 layers · 2 KV heads · (16 + 16) · 2 bytes · 8 · 2.
        XCTAssertEqual(memory.cache, 2 * 2 * 32 * 2 * 8 * 2)
    }

    func testLoRAAndAdamW() throws {
        let memory = MemoryEstimate(try PlanFixtures.model(gguf: "llama"), context: 8, batch: 2, loraRank: 16)
        // r·(in + out) per projection: Q 16·128, K 16·96, V 16·96, O 16·128, gate and up 16·192,
        // down 16·192 = 16 384 per layer.
        let adapters = 2 * 16 * (128 + 96 + 96 + 128 + 3 * 192)
        XCTAssertEqual(adapters, 32_768)
        XCTAssertEqual(memory.lora.trainableParameters, adapters)
        XCTAssertEqual(memory.lora.gradients, 4 * adapters)
        XCTAssertEqual(memory.lora.optimizer, 8 * adapters)  // AdamW's two F32 moments
        XCTAssertEqual(memory.lora.weights, 4 * 139_592 + 4 * adapters)  // the frozen base as stored
        XCTAssertEqual(memory.fullFineTuning.trainableParameters, 139_584)
        XCTAssertEqual(memory.fullFineTuning.weights, 4 * 139_584)
        XCTAssertEqual(memory.fullFineTuning.gradients, 4 * 139_584)
        XCTAssertEqual(memory.fullFineTuning.optimizer, 8 * 139_584)

        // Activations per token, F32, as Tern trains: final 2C; per layer 4C, Q 64 + K, V 2·32 +
        // attention output 64, one log-sum-exp per head (4), gate/up/product 3 · 128. Sixteen
        // tokens, plus one 128-token block of logits (128 × 512).
        let perToken = 128 + 2 * (256 + 64 + 64 + 64 + 4 + 384)
        XCTAssertEqual(memory.fullFineTuning.activations, 4 * (perToken * 16 + 128 * 512))
        XCTAssertEqual(memory.lora.activations, memory.fullFineTuning.activations)
        XCTAssertEqual(memory.fullFineTuning.total, 16 * 139_584 + 4 * (perToken * 16 + 128 * 512))
        // A plain implementation: every token's logits (512) and the probabilities, 4 heads × context 8.
        let plainPerToken = 512 + 128 + 2 * (256 + 64 + 64 + 64 + 4 * 8 + 384)
        XCTAssertEqual(memory.fullFineTuning.plainActivations, 4 * plainPerToken * 16)
    }

    /// Tern's packed sizes: Q8_0 matrices as groups of 8 rows × 32 columns in 288 bytes (1.125 bytes a
    /// weight, from tern_packed_bytes); F32 matrices in panels of 16 rows; vectors as stored.
    func testTernPackedBytes() throws {
        let q8 = GGMLTypeTraits.of(8)!, f32 = GGMLTypeTraits.of(0)!
        XCTAssertEqual(PlannedTensor(name: "blk.0.ffn_up.weight", shape: [64, 128], storage: q8).ternBytes, 128 / 8 * 64 / 32 * 288)
        XCTAssertEqual(PlannedTensor(name: "blk.0.ffn_up.weight", shape: [64, 128], storage: q8).storedBytes, 128 * 2 * 34)
        XCTAssertEqual(PlannedTensor(name: "blk.0.attn_k.weight", shape: [64, 20], storage: f32).ternBytes, 32 * 64 * 4)
        XCTAssertEqual(PlannedTensor(name: "blk.0.ffn_up_exps.weight", shape: [64, 32, 8], storage: q8).ternBytes, 8 * (32 / 8) * 2 * 288)
        XCTAssertEqual(PlannedTensor(name: "blk.0.attn_norm.weight", shape: [64], storage: f32).ternBytes, 256)
        // Q4_1 has no packed form: read as stored.
        let q41 = GGMLTypeTraits.of(3)!
        XCTAssertEqual(PlannedTensor(name: "blk.0.ffn_up.weight", shape: [64, 128], storage: q41).ternBytes, 128 * 2 * 20)
    }
}
