import Foundation
import TernStore
import XCTest

/// Tern's own Python environment, with stand-ins for python3: one whose `-m venv` lays out a fake
/// environment whose `bin/python -m pip install` only logs what it was asked to install.
final class PythonEnvironmentTests: XCTestCase {
    /// A fake `python3`: `-m venv DIR` writes DIR/bin/python, which appends pip's requirements to `log`.
    private func fakePython(_ directory: String, log: String) throws -> String {
        let path = directory + "/python3"
        try writeScript(path, """
        if [ "$1 $2" != "-m venv" ]; then echo "unexpected: $*" >&2; exit 9; fi
        mkdir -p "$3/bin"
        cat > "$3/bin/python" <<'INNER'
        #!/bin/sh
        if [ "$1 $2 $3" = "-m pip install" ]; then
          shift 3
          for a in "$@"; do case "$a" in -*) ;; *) echo "$a" >> '\(log)' ;; esac; done
          exit 0
        fi
        echo "ran $*"
        INNER
        chmod +x "$3/bin/python"
        """)
        return path
    }

    func testCreatesOnceAndInstallsOnlyWhatIsMissing() throws {
        let home = try temporaryDirectory(), log = home + "/pip.log"
        let env = PythonEnvironment(home: home, environment: ["TERN_PYTHON": try fakePython(home, log: log)])
        XCTAssertEqual(try env.prepare(["gguf"]), home + "/python/venv/bin/python")
        XCTAssertEqual(try env.prepare(["gguf"]), home + "/python/venv/bin/python")
        try env.prepare(["gguf", "openai"])
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "gguf\nopenai\n")
        XCTAssertEqual(env.installed, ["gguf", "openai"])
        let run = try env.run(["script.py", "x"], requirements: ["openai"])
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stdout, "ran script.py x\n")
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "gguf\nopenai\n", "nothing reinstalled")
    }

    func testAnInterruptedCreationStartsOver() throws {
        let home = try temporaryDirectory(), log = home + "/pip.log"
        // A venv folder without Tern's marker, as a killed `python3 -m venv` leaves it.
        try FileManager.default.createDirectory(atPath: home + "/python/venv/bin", withIntermediateDirectories: true)
        try writeScript(home + "/python/venv/bin/python", "exit 1\n")
        try Data("gguf\n".utf8).write(to: URL(fileURLWithPath: home + "/python/requirements.txt"))
        let env = PythonEnvironment(home: home, environment: ["TERN_PYTHON": try fakePython(home, log: log)])
        XCTAssertEqual(env.installed, [], "a record without a finished environment counts for nothing")
        try env.prepare(["gguf"])
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "gguf\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: home + "/python/venv/tern-ready"))
    }

    func testMissingPythonIsOneLine() throws {
        let home = try temporaryDirectory()
        let env = PythonEnvironment(home: home, environment: ["TERN_PYTHON": "/nonexistent/python3"])
        XCTAssertThrowsError(try env.prepare(["gguf"])) { error in
            let text = "\(error)"
            XCTAssertEqual((error as? StoreError)?.kind, .pythonNotFound)
            XCTAssertTrue(text.contains("TERN_PYTHON=/nonexistent/python3"), text)
            XCTAssertTrue(text.contains("python3 -m pip install gguf"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertEqual(entries(home), [], "nothing written")
    }

    func testMissingVenvModuleSaysWhatToInstall() throws {
        let home = try temporaryDirectory()
        // What Debian's python3 prints without the python3-venv package.
        try writeScript(home + "/python3", """
        echo "The virtual environment was not created successfully because ensurepip is not"
        echo "available.  On Debian/Ubuntu systems, you need to install the python3-venv package"
        exit 1
        """)
        let env = PythonEnvironment(home: home, environment: ["TERN_PYTHON": home + "/python3"])
        XCTAssertThrowsError(try env.prepare(["gguf"])) { error in
            XCTAssertEqual("\(error)", "\(home)/python3 has no working venv module: install it (apt-get install python3-venv) and retry")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/python/venv"), "no half-made environment left")
    }

    func testPipFailureNamesThePackage() throws {
        let home = try temporaryDirectory()
        try writeScript(home + "/python3", """
        mkdir -p "$3/bin"
        printf '#!/bin/sh\\necho "ERROR: No matching distribution found for nosuchpkg" >&2\\nexit 1\\n' > "$3/bin/python"
        chmod +x "$3/bin/python"
        """)
        let env = PythonEnvironment(home: home, environment: ["TERN_PYTHON": home + "/python3"])
        XCTAssertThrowsError(try env.prepare(["nosuchpkg"])) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .installFailed)
            XCTAssertTrue("\(error)".contains("No matching distribution found for nosuchpkg"), "\(error)")
        }
        XCTAssertEqual(env.installed, [])
    }
}
