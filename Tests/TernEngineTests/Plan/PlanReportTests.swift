import Foundation
import TernEngine
import TernGGUF
import XCTest

/// The whole plan: its JSON decodes, it is made from headers alone, bad input is one clear error,
/// speed predictions follow from the machine's numbers by hand, and the machine profile is cached.
final class PlanReportTests: XCTestCase {
    private func temporary(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name)
    }

    private let machine = MachineProfile(cpu: "test CPU", isa: "generic", threads: 2, bandwidth: 1e10, int8OpsPerSecond: 2e11,
                                         int8DecodeOpsPerSecond: 5e10, f32FlopsPerSecond: 1e10, measuredAt: "2026-01-01T00:00:00Z")

    func testJSONDecodesToTheSamePlan() throws {
        let path = PlanFixtures.gguf("qwen2moe")
        let plan = ModelPlan(try ModelPlan.describe(path: path), path: path, context: 64, batch: 4, device: machine.device,
                             machine: (machine, false))
        let json = try plan.json()
        let decoded = try JSONDecoder().decode(ModelPlan.self, from: Data(json.utf8))
        XCTAssertEqual(decoded.parameters.total, 214_720)
        XCTAssertEqual(decoded.parameters.active, 140_992)
        XCTAssertEqual(decoded.parameters.byPart["experts"], 2 * (64 * 8 + 3 * 64 * 32 * 8))
        XCTAssertEqual(decoded.model.architecture, "qwen2moe")
        XCTAssertEqual(decoded.model.experts?.used, 2)
        XCTAssertEqual(decoded.cache.bytesAtContext, 2 * 2 * 32 * 2 * 64)
        XCTAssertEqual(decoded.memory.weights["bf16"], 2 * 214_720)
        XCTAssertEqual(decoded.roofline.points.map(\.kind), plan.roofline.points.map(\.kind))
        XCTAssertEqual(decoded.prediction?.speed, plan.prediction?.speed)
        XCTAssertEqual(decoded.prediction?.machine, machine)
        // One object, every section present.
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        for key in ["model", "parameters", "memory", "cache", "training", "roofline", "prediction", "context", "batch"] {
            XCTAssertNotNil(object[key], key)
        }
        XCTAssertFalse(plan.text().isEmpty)
    }

    /// The DeepSeek-V2 and Mamba 2 fixtures hold no tensor data at all, and a Llama cut just after
    /// its header plans exactly like the whole file: the planner never reads tensor data.
    func testPlansFromTheHeaderAlone() throws {
        for arch in PlanFixtures.headerOnly {
            let path = PlanFixtures.gguf(arch)
            let plan = ModelPlan(try ModelPlan.describe(path: path), path: path, context: 128, batch: 1, device: Device.named("a100")!)
            XCTAssertTrue(plan.model.dataMissing, arch)
            XCTAssertGreaterThan(plan.parameters.total, 0)
            XCTAssertTrue(plan.text().contains("reads only its header"))
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: PlanFixtures.gguf("llama", "model-Q8_0.gguf")))
        let header = try GGUFHeader(path: PlanFixtures.gguf("llama", "model-Q8_0.gguf"))
        let cut = temporary("cut.gguf")
        try whole.prefix(header.dataOffset + 10).write(to: cut)
        let full = ModelPlan(try ModelPlan.describe(path: PlanFixtures.gguf("llama", "model-Q8_0.gguf")), path: "x", context: 64, batch: 1,
                             device: Device.named("a100")!)
        let partial = ModelPlan(try ModelPlan.describe(path: cut.path), path: "x", context: 64, batch: 1, device: Device.named("a100")!)
        XCTAssertEqual(partial.parameters.byPart, full.parameters.byPart)
        XCTAssertEqual(partial.memory.stored, full.memory.stored)
        XCTAssertEqual(partial.memory.tern, full.memory.tern)
        XCTAssertTrue(partial.model.dataMissing)
        XCTAssertFalse(full.model.dataMissing)
    }

    func testBadInputIsOneClearError() throws {
        func message(_ path: String) -> String {
            do {
                _ = try ModelPlan.describe(path: path)
                XCTFail("expected an error for \(path)")
                return ""
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(message("/nonexistent/model.gguf").contains("file not found"))
        let text = temporary("notes.gguf")
        try Data("not a model".utf8).write(to: text)
        XCTAssertTrue(message(text.path).contains("not a GGUF file"))
        let truncated = temporary("truncated.gguf")
        try Data(contentsOf: URL(fileURLWithPath: PlanFixtures.gguf("llama"))).prefix(500).write(to: truncated)
        XCTAssertTrue(message(truncated.path).contains("truncated file"))

        var w = GGUFWriter()
        w.add("general.architecture", .string("mamba9"))
        let unknown = temporary("mamba9.gguf")
        try w.write(to: unknown.path)
        let error = message(unknown.path)
        XCTAssertTrue(error.contains("unknown architecture 'mamba9'"), error)
        XCTAssertTrue(error.contains("llama"), error)  // names what it reads

        var noArch = GGUFWriter()
        noArch.add("general.name", .string("x"))
        let anonymous = temporary("anonymous.gguf")
        try noArch.write(to: anonymous.path)
        XCTAssertTrue(message(anonymous.path).contains("general.architecture"))

        var missing = GGUFWriter()
        missing.add("general.architecture", .string("llama"))
        missing.add("llama.block_count", .uint32(2))
        let incomplete = temporary("incomplete.gguf")
        try missing.write(to: incomplete.path)
        XCTAssertTrue(message(incomplete.path).contains("llama.embedding_length"))

        let config = temporary("config.json")
        try Data(#"{"model_type": "rwkv7", "hidden_size": 64}"#.utf8).write(to: config)
        XCTAssertTrue(message(config.path).contains("unknown architecture 'rwkv7'"))
        try Data("[1, 2]".utf8).write(to: config)
        XCTAssertTrue(message(config.path).contains("not a JSON object"))
        try Data(#"{"model_type": "llama", "hidden_size": 64}"#.utf8).write(to: config)
        XCTAssertTrue(message(config.path).contains("num_hidden_layers"))
        // A folder is read through its config.json.
        XCTAssertNoThrow(try ModelPlan.describe(path: URL(fileURLWithPath: PlanFixtures.config("llama")).deletingLastPathComponent().path))
    }

    /// The tiny F32 Llama at context 10 on a machine of 10 GB/s, 10 GFLOP/s F32. Per token, decode
    /// reads: the matrices in 16-row panels (Q 64×64: 16 384 bytes, K and V 32×64: 8192, O 16 384,
    /// gate and up 128×64: 32 768, down 64×128: 32 768; two layers: 294 912), the output 512×64
    /// (131 072), one embedding row (256), five norms (1280), the cache (2 layers · 2 heads · 32 ·
    /// 2 bytes · 10 = 2560) and the logits written (2048): 432 128 bytes.
    func testSpeedPredictionByHand() throws {
        let model = try PlanFixtures.model(gguf: "llama")
        let speed = SpeedPrediction(model, machine: machine, context: 10, prompt: 8)
        XCTAssertEqual(speed.decodeBytesPerToken, 432_128)
        XCTAssertEqual(speed.decodeCacheBytesPerToken, 2560)
        XCTAssertEqual(speed.rooflineDecodeTokensPerSecond, 1e10 / 432_128, accuracy: 1e-9)
        // Without kernel measurements Tern's own prediction is the roofline.
        XCTAssertEqual(speed.decodeTokensPerSecond, 1e10 / 432_128, accuracy: 1e-9)
        XCTAssertEqual(speed.decodeProducts, 2 * 7 + 1)
        // Prefill of 8: matrices 2 · 36 864 · 2 layers, attention over (8 + 1) / 2 positions of
        // 2 · 4 heads · 32 per layer, the output projection once for 8 tokens; all F32.
        let flops = 2.0 * 36_864 * 2 + 2 * 4.5 * 2 * 4 * 32 + 2.0 * 64 * 512 / 8
        XCTAssertEqual(speed.prefillFLOPsPerToken, flops)
        XCTAssertEqual(speed.prefillTokensPerSecond, 1e10 / flops, accuracy: 1e-6)
        XCTAssertNil(speed.batchedDecodeTokensPerSecond)

        // Q8_0 weights are read in their packed form, and their products run at the int8 rate.
        let q8 = try PlanFixtures.model(gguf: "llama", "model-Q8_0.gguf")
        let quantized = SpeedPrediction(q8, machine: machine, context: 10, prompt: 8)
        let packed = q8.tensors.filter { $0.part != .embedding && $0.part != .constant }.reduce(0) { $0 + $1.ternBytes }
        let row = try XCTUnwrap(q8.tensors.first { $0.name == "token_embd.weight" }).storedBytes / 512
        XCTAssertEqual(quantized.decodeBytesPerToken, Double(packed + row + 2560 + 2048))
    }

    /// Tern's kernels: rows of 1024 sit halfway (in log) between the widths 512 and 2048.
    func testKernelBandwidthInterpolation() {
        var profile = machine
        profile.decodeBandwidth = ["q8_0": [5, 10, 20, 40]]
        XCTAssertEqual(profile.decodeBandwidth(layout: "q8_0", cols: 1024), 15, accuracy: 1e-12)
        XCTAssertEqual(profile.decodeBandwidth(layout: "q8_0", cols: 4096), 30, accuracy: 1e-12)
        XCTAssertEqual(profile.decodeBandwidth(layout: "q8_0", cols: 256), 7.5, accuracy: 1e-12)
        XCTAssertEqual(profile.decodeBandwidth(layout: "q8_0", cols: 64), 5)
        XCTAssertEqual(profile.decodeBandwidth(layout: "q8_0", cols: 1 << 20), 40)
        XCTAssertEqual(profile.decodeBandwidth(layout: "k", cols: 1024), 1e10)  // not measured: the plain bandwidth
        XCTAssertEqual(profile.decodeBandwidth(layout: nil, cols: 1024), 1e10)
        XCTAssertEqual(MachineProfile.layout(ofType: 6), "q8_0")  // Q5_0 packs like Q8_0
        XCTAssertEqual(MachineProfile.layout(ofType: 14), "k")
        XCTAssertNil(MachineProfile.layout(ofType: 3))  // Q4_1 is read as stored
    }

    /// The tiny F32 Llama with its F32 products streaming at 5 GB/s (8 GB/s for the widest rows)
    /// and 1 µs per product: the matrices (294 912 + 131 072 bytes, rows of 64 and 128) at the
    /// kernel's rate; norms, embedding row, cache and logits at the widest F32 rate, 8 GB/s, below
    /// the probe's 10 GB/s; and 15 products.
    func testTernKernelPredictionByHand() throws {
        var profile = machine
        profile.decodeBandwidth = ["f32": [5e9, 5e9, 5e9, 8e9]]
        profile.productSeconds = 1e-6
        XCTAssertEqual(profile.streamingBandwidth, 8e9)
        let speed = SpeedPrediction(try PlanFixtures.model(gguf: "llama"), machine: profile, context: 10, prompt: 8)
        let seconds = (294_912.0 + 131_072) / 5e9 + (1280.0 + 256 + 2560 + 2048) / 8e9 + 15e-6
        XCTAssertEqual(speed.decodeTokensPerSecond, 1 / seconds, accuracy: 1e-6)
        XCTAssertEqual(speed.rooflineDecodeTokensPerSecond, 1e10 / 432_128, accuracy: 1e-9)
    }

    /// K-quant products prefill at the K kernels' rate: one layer of width 256 in Q4_K (two heads of
    /// 128, MLP 512, 1000-token output), prompt of 8, K rate 1e11, Q8_0 rate 2e11, F32 1e10.
    func testPrefillAtEachKernelsRate() {
        var profile = machine
        profile.kQuantOpsPerSecond = 1e11
        let model = PlanFixtures.decoder(layers: 1, dim: 256, heads: 2, kvHeads: 2, headDim: 128, ffn: 512, vocabulary: 1000, type: 12)
        let speed = SpeedPrediction(model, machine: profile, context: 8, prompt: 8)
        let matrices = 2.0 * (4 * 256 * 256 + 3 * 256 * 512)
        let attention = 4.5 * 2 * 2 * 256, output = 2.0 * 256 * 1000 / 8
        XCTAssertEqual(speed.prefillFLOPsPerToken, matrices + attention + output)
        XCTAssertEqual(speed.prefillTokensPerSecond, 1 / ((matrices + output) / 1e11 + attention / 1e10), accuracy: 1e-6)
    }

    /// Ternary products prefill at their own kernel's rate: the same layer in TQ2_0 (type 35),
    /// TQ2_0 rate 5e10 (output included), not the Q8_0 rate 2e11 nor TQ1_0's.
    func testPrefillAtTheTernaryRate() {
        var profile = machine
        profile.ternaryOpsPerSecond = ["tq2_0": 5e10, "tq1_0": 1e9]
        let model = PlanFixtures.decoder(layers: 1, dim: 256, heads: 2, kvHeads: 2, headDim: 128, ffn: 512, vocabulary: 1000, type: 35)
        let speed = SpeedPrediction(model, machine: profile, context: 8, prompt: 8)
        let matrices = 2.0 * (4 * 256 * 256 + 3 * 256 * 512)
        let attention = 4.5 * 2 * 2 * 256, output = 2.0 * 256 * 1000 / 8
        XCTAssertEqual(speed.prefillTokensPerSecond, 1 / ((matrices + output) / 5e10 + attention / 1e10), accuracy: 1e-6)
    }

    /// Batched decode: the weights once, each sequence's cache and logits; compute when it is the
    /// longer. With a slow int8 rate the batch is compute-bound.
    func testBatchedDecode() throws {
        let model = try PlanFixtures.model(gguf: "llama", "model-Q8_0.gguf")
        var slow = machine
        slow.int8OpsPerSecond = 1e6
        let one = SpeedPrediction(model, machine: slow, context: 10, prompt: 8)
        let eight = SpeedPrediction(model, machine: slow, context: 10, prompt: 8, batch: 8)
        let matrices = model.tensors.filter { $0.isMatrix && $0.part != .embedding }
        let int8 = matrices.filter { $0.storage.blockSize > 1 }.reduce(0.0) { $0 + 2 * Double($1.elementCount) }
        let float = matrices.filter { $0.storage.blockSize == 1 }.reduce(0.0) { $0 + 2 * Double($1.elementCount) }
        XCTAssertGreaterThan(int8, 0)
        XCTAssertEqual(try XCTUnwrap(eight.batchedDecodeTokensPerSecond), 8 / (8 * (int8 / 1e6 + float / 1e10)), accuracy: 1e-9)
        XCTAssertEqual(one.rooflineDecodeTokensPerSecond, 1e10 / one.decodeBytesPerToken, accuracy: 1e-9)
    }

    /// The profile is cached in machine.json and reused only on the same CPU, kernels and threads.
    func testMachineProfileIsMeasuredOnceAndCached() throws {
        let home = temporary("home").path
        let measured = MachineProbe.measure(threads: 2, bufferBytes: 64 << 20, kernelBytes: 4 << 20)
        let kernels = measured.decodeBandwidth.values.flatMap { $0 }
        XCTAssertEqual(measured.decodeBandwidth.keys.sorted(), ["f32", "k", "q8_0", "tq1_0", "tq2_0"])
        XCTAssertEqual(kernels.count, 20)
        XCTAssertEqual(measured.ternaryOpsPerSecond.keys.sorted(), ["tq1_0", "tq2_0"])
        for value in [measured.bandwidth, measured.int8OpsPerSecond, measured.kQuantOpsPerSecond, measured.int8DecodeOpsPerSecond,
                      measured.f32FlopsPerSecond] + kernels + measured.ternaryOpsPerSecond.values {
            XCTAssertTrue(value.isFinite && value > 0)
        }
        XCTAssertTrue(measured.productSeconds.isFinite && measured.productSeconds >= 0)
        // A cached profile for this machine is used as it is.
        var cached = measured
        cached.bandwidth = 12_345
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try JSONEncoder().encode(cached).write(to: URL(fileURLWithPath: home + "/machine.json"))
        let reused = try MachineProbe.profile(home: home, threads: 2)
        XCTAssertFalse(reused.measured)
        XCTAssertEqual(reused.profile.bandwidth, 12_345)
        // Another thread count is another machine: measured again, and the cache replaced.
        var other = cached
        other.threads = 1
        try JSONEncoder().encode(other).write(to: URL(fileURLWithPath: home + "/machine.json"))
        let fresh = try MachineProbe.profile(home: home, threads: 2, bufferBytes: 64 << 20, kernelBytes: 4 << 20)
        XCTAssertTrue(fresh.measured)
        XCTAssertNotEqual(fresh.profile.bandwidth, 12_345)
        let stored = try JSONDecoder().decode(MachineProfile.self, from: Data(contentsOf: URL(fileURLWithPath: home + "/machine.json")))
        XCTAssertEqual(stored, fresh.profile)
        XCTAssertEqual(stored.device.peakBandwidth, stored.bandwidth)
    }
}
