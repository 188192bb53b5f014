import Foundation
import XCTest
import TernGGUF
import TernStore

/// Every bad input the core issue names gets a one-line error and a non-zero exit from the CLI.
final class BadInputTests: XCTestCase {
    func testMissingModelFile() throws {
        let o = try TernProcess.run(["generate", "--model", "/nonexistent/model.gguf", "hi"])
        assertOneLineError(o, "not found")
    }

    func testFileThatIsNotGGUF() throws {
        let path = temporaryPath("notes.gguf")
        try Data("just some text, not a model\n".utf8).write(to: URL(fileURLWithPath: path))
        assertOneLineError(try TernProcess.run(["generate", "--model", path, "hi"]), "GGUF")
    }

    func testTruncatedModel() throws {
        let real = try ModelStore().resolve(ModelStore.defaultModelName)
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: real))
        let head = handle.readData(ofLength: 3_000_000)  // inside the ~6 MB vocabulary arrays of the header
        try handle.close()
        let path = temporaryPath("truncated.gguf")
        try head.write(to: URL(fileURLWithPath: path))
        assertOneLineError(try TernProcess.run(["generate", "--model", path, "hi"]), "truncated")
    }

    func testUnsupportedTensorType() throws {
        var w = GGUFWriter()
        w.add("general.architecture", .string("gemma3"))
        w.addTensor(name: "odd.weight", shape: [32], floats: Array(repeating: 1, count: 32))
        var bytes = w.serialized()
        // Patch the tensor's type (u32 after name, n_dims and one u64 dim) to ggml's Q2_K (10), which Tern does not run.
        let name = Array("odd.weight".utf8)
        let at = try XCTUnwrap((0...(bytes.count - name.count)).first { Array(bytes[$0..<$0 + name.count]) == name })
        let typeOffset = at + name.count + 4 + 8
        XCTAssertEqual(bytes[typeOffset], 0)  // F32 before the patch
        bytes[typeOffset] = 10
        let path = temporaryPath("q2_k.gguf")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        assertOneLineError(try TernProcess.run(["generate", "--model", path, "hi"]), "odd.weight")
    }

    func testUnknownArchitecture() throws {
        var w = GGUFWriter()
        w.add("general.architecture", .string("mamba9"))
        let path = temporaryPath("mamba9.gguf")
        try w.write(to: path)
        assertOneLineError(try TernProcess.run(["generate", "--model", path, "hi"]), "unknown architecture 'mamba9'")
    }

    func testPromptLongerThanContext() throws {
        let o = try TernProcess.run(["generate", "--ctx", "8", "--max-tokens", "4",
                                     "one two three four five six seven eight nine ten eleven"])
        assertOneLineError(o, "context holds 8")
    }

    func testUnknownModelName() throws {
        assertOneLineError(try TernProcess.run(["generate", "--model", "no-such-model", "hi"]), "unknown model")
    }
}
