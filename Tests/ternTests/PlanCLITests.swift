import Foundation
import TernCKernels
import TernGGUF
import XCTest

/// `tern plan` as a user runs it: the JSON object, the tables, the SVG, the cached machine
/// profile, header-only files, and one-line errors for bad input.
final class PlanCLITests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static func zoo(_ arch: String, _ file: String = "model.gguf") -> String {
        root.appendingPathComponent("Tests/TernModelsTests/Fixtures/zoo/\(arch)/\(file)").path
    }
    static func plan(_ arch: String, _ file: String) -> String {
        root.appendingPathComponent("Tests/TernEngineTests/Fixtures/plan/\(arch)/\(file)").path
    }

    /// A Tern home holding a machine profile, so `--device cpu` predicts without measuring.
    private func homeWithProfile() throws -> String {
        let home = temporaryPath("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? "x86-64 CPU"
        let isa = String(cString: tern_kernel_isa())
        let profile: [String: Any] = [
            "version": 5, "cpu": cpu, "isa": isa, "threads": 2, "bandwidth": 1e10, "int8OpsPerSecond": 2e11, "kQuantOpsPerSecond": 2e11,
            "ternaryOpsPerSecond": [String: Double](), "int8DecodeOpsPerSecond": 5e10, "f32FlopsPerSecond": 1e10,
            "decodeBandwidth": [String: [Double]](),
            "productSeconds": 0, "measuredAt": "2026-01-01T00:00:00Z",
        ]
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: home + "/machine.json"))
        return home
    }

    func testJSONForADataSheetDevice() throws {
        let o = try TernProcess.run(["plan", Self.zoo("qwen3moe"), "--device", "a100", "--ctx", "128", "--batch", "4", "--json"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        let parameters = try XCTUnwrap(plan["parameters"] as? [String: Any])
        XCTAssertEqual(parameters["total"] as? Int, 189_824)
        XCTAssertEqual(parameters["active"] as? Int, 116_096)
        let roofline = try XCTUnwrap(plan["roofline"] as? [String: Any])
        XCTAssertEqual(roofline["balance"] as? Double ?? 0, 200.64, accuracy: 0.01)
        XCTAssertNil(plan["prediction"])  // only for this machine
        let cache = try XCTUnwrap(plan["cache"] as? [String: Any])
        XCTAssertEqual(cache["bytesAtContext"] as? Int, 2 * 2 * 32 * 2 * 128)
        XCTAssertEqual(plan["batch"] as? Int, 4)
    }

    func testTablesAndPredictionOnThisMachineFromTheCachedProfile() throws {
        let home = try homeWithProfile()
        let o = try TernProcess.run(["plan", Self.zoo("llama"), "--ctx", "10", "--prompt", "8", "-t", "2"], environment: ["TERN_HOME": home])
        XCTAssertEqual(o.status, 0, o.stderr)
        for section in ["parameters", "weights", "KV cache (F16)", "training", "roofline on cpu", "Tern on this machine"] {
            XCTAssertTrue(o.stdout.contains(section), "missing \(section):\n\(o.stdout)")
        }
        XCTAssertFalse(o.stderr.contains("measuring"), "the cached profile must be used: \(o.stderr)")
        // 432 128 bytes per token at 10 GB/s (worked in PlanReportTests).
        XCTAssertTrue(o.stdout.contains(String(format: "memory roofline %.1f tokens/s", 1e10 / 432_128)), o.stdout)

        let json = try TernProcess.run(["plan", Self.zoo("llama"), "--ctx", "10", "--prompt", "8", "-t", "2", "--json"], environment: ["TERN_HOME": home])
        let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let speed = try XCTUnwrap((plan["prediction"] as? [String: Any])?["speed"] as? [String: Any])
        XCTAssertEqual(speed["decodeBytesPerToken"] as? Double, 432_128)
    }

    func testSVGAndConfigJSON() throws {
        let svg = temporaryPath("roof.svg")
        let o = try TernProcess.run(["plan", Self.plan("gemma3", "config.json"), "--device", "h100", "--svg", svg])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.contains("sliding window 512 on 15 of 18 layers"), o.stdout)
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("<svg"))
        XCTAssertTrue(text.contains("attention over KV"))
        XCTAssertTrue(text.contains("h100"))
    }

    /// The header-only DeepSeek-V2 (no tensor data in the file) plans; Tern cannot run it.
    func testHeaderOnlyFile() throws {
        let o = try TernProcess.run(["plan", Self.plan("deepseek2", "model-header.gguf"), "--device", "a100", "--json"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((plan["model"] as? [String: Any])?["dataMissing"] as? Bool, true)
        XCTAssertEqual((plan["cache"] as? [String: Any])?["bytesPerToken"] as? Int, 160)
        assertOneLineError(try TernProcess.run(["generate", "--model", Self.plan("deepseek2", "model-header.gguf"), "hi"]), "truncated")
    }

    func testBadInput() throws {
        assertOneLineError(try TernProcess.run(["plan", "/nonexistent/model.gguf", "--device", "a100"]), "not found")
        let text = temporaryPath("notes.gguf")
        try Data("just some text, not a model\n".utf8).write(to: URL(fileURLWithPath: text))
        assertOneLineError(try TernProcess.run(["plan", text, "--device", "a100"]), "not a GGUF file")
        let cut = temporaryPath("cut.gguf")
        try Data(contentsOf: URL(fileURLWithPath: Self.zoo("llama"))).prefix(700).write(to: URL(fileURLWithPath: cut))
        assertOneLineError(try TernProcess.run(["plan", cut, "--device", "a100"]), "truncated")
        var w = GGUFWriter()
        w.add("general.architecture", .string("mamba9"))
        let unknown = temporaryPath("mamba9.gguf")
        try w.write(to: unknown)
        assertOneLineError(try TernProcess.run(["plan", unknown, "--device", "a100"]), "unknown architecture 'mamba9'")
        assertOneLineError(try TernProcess.run(["plan", Self.zoo("llama"), "--device", "abacus"]), "unknown device 'abacus'")
        assertOneLineError(try TernProcess.run(["plan", Self.zoo("llama"), "--device", "a100", "--svg", "/nonexistent/dir/roof.svg"]),
                           "cannot write")
    }
}
