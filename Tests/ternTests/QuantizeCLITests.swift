import Foundation
import XCTest

/// `tern quantize` as a user runs it: llama-quantize's bytes, and clear errors that leave no file.
final class QuantizeCLITests: XCTestCase {
    private static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TernModelsTests/Fixtures/zoo").standardized

    func testQuantizeWritesLlamaQuantizesBytes() throws {
        let out = temporaryPath("llama-q8.gguf")
        let o = try TernProcess.run(["quantize", Self.zoo.appendingPathComponent("llama/model.gguf").path, out, "--type", "q8_0"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.contains("Q8_0"), o.stdout)
        XCTAssertTrue(o.stderr.contains("100%"), "progress reaches 100%: \(o.stderr)")
        let theirs = try Data(contentsOf: Self.zoo.appendingPathComponent("llama/model-Q8_0.gguf"))
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: out)) == theirs)
    }

    func testRequantizingWarns() throws {
        let out = temporaryPath("requantized.gguf")
        let o = try TernProcess.run(["quantize", Self.zoo.appendingPathComponent("llama/model-Q8_0.gguf").path, out, "--type", "Q4_0"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stderr.contains("already quantized"), o.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))
    }

    func testBadInputsFailClearlyAndWriteNothing() throws {
        let out = temporaryPath("never.gguf")
        assertOneLineError(try TernProcess.run(["quantize", "/nonexistent/model.gguf", out, "--type", "Q8_0"]), "not found")
        let junk = temporaryPath("junk.gguf")
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: junk))
        assertOneLineError(try TernProcess.run(["quantize", junk, out, "--type", "Q8_0"]), "GGUF")
        let badType = try TernProcess.run(["quantize", Self.zoo.appendingPathComponent("llama/model.gguf").path, out, "--type", "Q3_X"])
        XCTAssertNotEqual(badType.status, 0)
        XCTAssertTrue(badType.stderr.contains("unknown --type 'Q3_X'"), badType.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let dir = URL(fileURLWithPath: out).deletingLastPathComponent().path
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.contains("never.gguf") })
    }
}
