import Foundation
import TernEngine
import TernGGUF
import XCTest

/// Parameter counts: from the committed zoo GGUFs they equal the sum of the tensors' element
/// counts and the architecture's formula worked by hand; from each model's config.json they equal
/// the GGUF's, part by part.
final class PlanParameterTests: XCTestCase {
    // The tiny zoo's shape (scripts/make_tiny_model.py dims 64,128,2,4,2; vocabulary 512).
    let C = 64, F = 128, L = 2, H = 4, Hkv = 2, D = 16, V = 512

    /// Each formula below is the architecture's parameter count by hand; transformers'
    /// sum(p.numel()) of the same models gave the same numbers.
    func hand(_ arch: String) -> (total: Int, active: Int) {
        let attention = C * H * D + 2 * C * Hkv * D + H * D * C  // Q, K, V, O
        let gated = 3 * C * F
        switch arch {
        case "llama":  // untied output, two RMSNorms per layer
            return same(2 * V * C + L * (2 * C + attention + gated) + C)
        case "qwen2":  // tied; Q, K, V biases
            return same(V * C + L * (2 * C + attention + H * D + 2 * Hkv * D + gated) + C)
        case "qwen3":  // tied; per-head Q and K norms
            return same(V * C + L * (2 * C + attention + 2 * D + gated) + C)
        case "qwen2moe":  // 8 experts of 32, top 2, a 64-wide shared expert behind a C-wide gate; biased QKV
            let routed = 3 * C * 32 * 8
            let total = 2 * V * C + L * (2 * C + attention + H * D + 2 * Hkv * D + C * 8 + routed + 3 * C * 64 + C) + C
            return (total, total - L * routed * 6 / 8)
        case "qwen3moe":  // 8 experts of 32, top 2, no shared expert; Q/K norms
            let routed = 3 * C * 32 * 8
            let total = 2 * V * C + L * (2 * C + attention + 2 * D + C * 8 + routed) + C
            return (total, total - L * routed * 6 / 8)
        case "gpt2":  // learned positions (256), LayerNorms with biases, fused QKV and every linear biased, F = 4C
            let F = 4 * C
            return same(V * C + 256 * C + L * (4 * C + 3 * C * C + 3 * C + C * C + C + C * F + F + F * C + C) + 2 * C)
        case "falcon":  // multi-query fused QKV (H + 2 heads of D), no biases, parallel block with one LayerNorm, F = 4C
            let F = 4 * C
            return same(V * C + L * (2 * C + C * (H + 2) * D + C * C + 2 * C * F) + 2 * C)
        case "bloom":  // embedding LayerNorm, biases everywhere, F = 4C
            let F = 4 * C
            return same(V * C + 2 * C + L * (4 * C + 3 * C * C + 3 * C + C * C + C + C * F + F + F * C + C) + 2 * C)
        case "deepseek2":
            // MLA: q_a (C→48), q_b (48→H·(16+8)), kv_a (C→32+8), k_b and v_b (16·32 and 32·16 per head), O (H·16→C);
            // norms: attn, q_a (48), kv_a (32), ffn. Layer 0 dense (F = 128); layer 1: router, 4 experts of 32
            // (top 2) and one shared expert of 32.
            let mla = C * 48 + 48 * H * 24 + C * 40 + 2 * 16 * 32 * H + H * 16 * C
            let norms = C + 48 + 32 + C
            let routed = 3 * C * 32 * 4
            let total = 2 * V * C + L * (mla + norms) + 3 * C * F + (C * 4 + routed + 3 * C * 32) + C
            return (total, total - routed / 2)
        case "mamba2":
            // in_proj C → 2·128 + 2·2·16 + 4, depthwise conv 4 × 192 + bias, dt bias, A, D (4 heads),
            // grouped norm (128), out_proj 128 → C; untied output.
            let layer = C + C * (256 + 64 + 4) + 4 * 192 + 192 + 3 * 4 + 128 + 128 * C
            return same(2 * V * C + L * layer + C)
        default:
            fatalError(arch)
        }
    }

    private func same(_ n: Int) -> (Int, Int) { (n, n) }

    func testZooCountsEqualTensorSumsAndHandFormulas() throws {
        for arch in PlanFixtures.zooArchitectures + PlanFixtures.headerOnly {
            let header = try GGUFHeader(path: PlanFixtures.gguf(arch))
            let count = ParameterCount(try ModelDescription(gguf: header))
            // Llama 3's RoPE frequency factors are a constant, not a parameter.
            let sum = header.tensors.filter { $0.name != "rope_freqs.weight" }.reduce(0) { $0 + $1.elementCount }
            XCTAssertEqual(count.total, sum, arch)
            XCTAssertEqual(count.total, hand(arch).total, arch)
            XCTAssertEqual(count.active, hand(arch).active, arch)
            XCTAssertEqual(count.byPart.values.reduce(0, +), count.total, arch)
        }
    }

    func testConfigCountsEqualGGUFCounts() throws {
        for arch in PlanFixtures.zooArchitectures + PlanFixtures.headerOnly {
            let fromGGUF = ParameterCount(try PlanFixtures.model(gguf: arch))
            let fromConfig = ParameterCount(try PlanFixtures.model(config: arch))
            XCTAssertEqual(fromConfig.total, fromGGUF.total, arch)
            XCTAssertEqual(fromConfig.active, fromGGUF.active, arch)
            XCTAssertEqual(fromConfig.byPart, fromGGUF.byPart, arch)
        }
    }

    func testPartsOfAMixtureOfExperts() throws {
        let count = ParameterCount(try PlanFixtures.model(gguf: "qwen2moe"))
        XCTAssertEqual(count.byPart[.experts], L * (C * 8 + 3 * C * 32 * 8))  // router + routed experts
        XCTAssertEqual(count.byPart[.mlp], L * (3 * C * 64 + C))             // shared expert and its gate
        XCTAssertEqual(count.byPart[.output], V * C)
        XCTAssertEqual(count.byPart[.embedding], V * C)
        XCTAssertEqual(count.nonEmbedding, count.total - 2 * V * C)
    }

    func testPartsByTensorName() {
        XCTAssertEqual(ParameterPart("blk.3.ffn_up_exps.weight"), .experts)
        XCTAssertEqual(ParameterPart("blk.3.ffn_gate_inp.weight"), .experts)
        XCTAssertEqual(ParameterPart("blk.3.ffn_gate_inp_shexp.weight"), .mlp)
        XCTAssertEqual(ParameterPart("blk.0.attn_k_norm.weight"), .norms)
        XCTAssertEqual(ParameterPart("blk.0.attn_kv_a_mqa.weight"), .attention)
        XCTAssertEqual(ParameterPart("blk.0.ssm_in.weight"), .ssm)
        XCTAssertEqual(ParameterPart("token_embd_norm.weight"), .norms)
        XCTAssertEqual(ParameterPart("output_norm.weight"), .norms)
        XCTAssertEqual(ParameterPart("output.weight"), .output)
        XCTAssertEqual(ParameterPart("position_embd.weight"), .embedding)
        XCTAssertEqual(ParameterPart("rope_freqs.weight"), .constant)
    }

    /// Gemma 3 270M's config.json (tied, Q/K norms, four norms per layer) against the formula; and,
    /// where the default model is installed, against its GGUF header.
    func testGemma3Config() throws {
        let model = try PlanFixtures.model(config: "gemma3")
        let C = 640, F = 2048, H = 4, D = 256, V = 262_144
        let layer = 4 * C + C * H * D + 2 * C * D + H * D * C + 2 * D + 3 * C * F
        XCTAssertEqual(ParameterCount(model).total, V * C + 18 * layer + C)
        XCTAssertEqual(model.checkpointType, "BF16")
        XCTAssertEqual(model.slidingWindow?.window, 512)
        XCTAssertEqual(model.slidingWindow?.slidingLayers.filter { !$0 }.count, 3)
    }
}
