import Foundation

/// A Python virtual environment inside Tern's cache folder, for the Python packages that Tern's
/// tests and reference scripts use (llama.cpp's `gguf`, the `openai` client, ...). It is created
/// on first use with `python3 -m venv` and reused afterwards; packages go in with the environment's
/// own pip, so the system's site-packages are never touched.
///
///     <tern home>/python/venv/                 the environment (bin/python, site-packages)
///     <tern home>/python/venv/tern-ready       written once `venv` finished: no marker, start over
///     <tern home>/python/requirements.txt      what Tern installed, one requirement a line
///     <tern home>/python/lock                  concurrent callers take turns
///
///     let python = try PythonEnvironment().prepare(["gguf", "openai"])   // path of bin/python
///     let out = try PythonEnvironment().run(["script.py"], requirements: ["openai"])
public struct PythonEnvironment: Sendable {
    /// `<tern home>/python`.
    public let directory: String
    let environment: [String: String]

    /// - Parameters:
    ///   - home: Tern's cache folder; nil means `$TERN_HOME`, else `~/.cache/tern` (as `ModelStore`).
    ///   - environment: where `TERN_PYTHON` and `PATH` are read (tests pass their own).
    public init(home: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        directory = ModelStore(home: home).home + "/python"
        self.environment = environment
    }

    var venv: String { directory + "/venv" }
    /// The environment's interpreter.
    public var python: String { venv + "/bin/python" }
    var readyMarker: String { venv + "/tern-ready" }
    var record: String { directory + "/requirements.txt" }

    /// The requirements installed so far (from the record; empty before the first install).
    public var installed: Set<String> {
        guard FileManager.default.fileExists(atPath: readyMarker),
              let text = try? String(contentsOfFile: record, encoding: .utf8) else { return [] }
        return Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Creates the environment if needed, installs those of `requirements` (pip requirement strings
    /// such as `gguf` or `openai>=1`) it lacks, and returns the interpreter's path. Throws a one-line
    /// `StoreError` when Python, its `venv` module or pip fails.
    @discardableResult
    public func prepare(_ requirements: [String]) throws -> String {
        let have = installed
        if requirements.allSatisfy(have.contains) { return python }
        let alternative = "or install the packages yourself (python3 -m pip install \(requirements.joined(separator: " ")))"
        let base = try PipInstaller(environment: environment, alternative: alternative).python
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, "cannot create \(directory) (\(error.localizedDescription)): set TERN_HOME to a writable folder")
        }
        return try withFileLock(directory + "/lock", waitingMessage: "waiting for another tern to finish setting up \(venv)…") {
            if !FileManager.default.fileExists(atPath: readyMarker) { try create(with: base) }
            let have = installed
            let missing = requirements.filter { !have.contains($0) }
            guard !missing.isEmpty else { return python }
            writeStandardError("installing \(missing.joined(separator: ", ")) into \(venv) with pip\n")
            let pip = try Self.run(python, ["-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--quiet"] + missing)
            guard pip.status == 0 else {
                let reason = PipInstaller.reason(pip.output).map { ": \($0)" } ?? ""
                throw StoreError(.installFailed, "pip could not install \(missing.joined(separator: " ")) into \(venv) (exit \(pip.status)\(reason)): retry (check access to PyPI)")
            }
            let all = have.union(missing).sorted().joined(separator: "\n") + "\n"
            do {
                try Data(all.utf8).write(to: URL(fileURLWithPath: record), options: .atomic)
            } catch {
                throw StoreError(.io, "cannot write \(record) (\(error.localizedDescription)): set TERN_HOME to a writable folder")
            }
            return python
        }
    }

    /// Runs the environment's Python with `arguments` once `requirements` are installed.
    public func run(_ arguments: [String], requirements: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        let python = try prepare(requirements)
        // stderr goes to a file and stdout to a pipe, so a chatty child never blocks on a full pipe.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("tern-python-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw StoreError(.io, "cannot create \(errURL.path): check the temporary folder")
        }
        defer { try? FileManager.default.removeItem(at: errURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let out = Pipe(), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try err.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// `python3 -m venv` into a fresh folder; the marker is written only once it succeeded, so an
    /// interrupted creation is redone from scratch next time.
    private func create(with base: String) throws {
        try? FileManager.default.removeItem(atPath: venv)
        try? FileManager.default.removeItem(atPath: record)
        writeStandardError("creating a Python environment for Tern with \(base) -m venv in \(venv)\n")
        let result = try Self.run(base, ["-m", "venv", venv])
        guard result.status == 0, FileManager.default.isExecutableFile(atPath: python) else {
            try? FileManager.default.removeItem(atPath: venv)
            if result.output.contains("ensurepip") || result.output.contains("No module named venv") {
                throw StoreError(.pythonNotFound, "\(base) has no working venv module: install it (apt-get install python3-venv) and retry")
            }
            let reason = PipInstaller.reason(result.output).map { ": \($0)" } ?? ""
            throw StoreError(.installFailed, "\(base) -m venv \(venv) failed (exit \(result.status)\(reason)): check that the folder is writable, or set TERN_PYTHON to another Python 3")
        }
        guard FileManager.default.createFile(atPath: readyMarker, contents: Data()) else {
            throw StoreError(.io, "cannot write \(readyMarker): set TERN_HOME to a writable folder")
        }
    }

    /// Runs `executable` with its output (stdout and stderr together) captured.
    private static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PIP_ROOT_USER_ACTION"] = "ignore"
        environment.removeValue(forKey: "PYTHONPATH")  // the environment's own packages, nothing else
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw StoreError(.pythonNotFound, "could not start \(executable) (\(error)): set TERN_PYTHON to a working Python 3")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
