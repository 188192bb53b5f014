import Foundation

/// Debian packages a test needs (a browser and its driver), installed with apt-get on first use
/// as the other test dependencies are: a fresh machine that runs only the README's test command
/// gets them too. Needs root (or password-less sudo); otherwise a one-line error says what to run.
enum DebianPackages {
    struct Missing: Error, CustomStringConvertible { let description: String }

    /// Installs those of `packages` whose `files` are absent.
    static func ensure(_ packages: [String], providing files: [String]) throws {
        guard files.contains(where: { !FileManager.default.isExecutableFile(atPath: $0) }) else { return }
        let command = "apt-get install -y --no-install-recommends " + packages.joined(separator: " ")
        let prefix = getuid() == 0 ? [] : ["sudo", "-n"]
        // The first try may fail on a machine whose package lists were never fetched.
        if try run(prefix + ["apt-get", "install", "-y", "--no-install-recommends"] + packages) != 0 {
            _ = try run(prefix + ["apt-get", "update"])
            guard try run(prefix + ["apt-get", "install", "-y", "--no-install-recommends"] + packages) == 0 else {
                throw Missing(description: "could not install \(packages.joined(separator: ", ")): run `\(command)` as root and retry")
            }
        }
        for file in files where !FileManager.default.isExecutableFile(atPath: file) {
            throw Missing(description: "\(file) is still missing after `\(command)`")
        }
    }

    private static func run(_ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(["DEBIAN_FRONTEND": "noninteractive"]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
