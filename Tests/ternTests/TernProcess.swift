import Foundation
import XCTest

/// Runs the built `tern` executable, as a user or a script would.
struct TernProcess {
    struct Output { let status: Int32; let stdout: String; let stderr: String }

    static var executable: URL {
        // Tests run from the build products folder (.build/<config>/…xctest), next to `tern`.
        let candidates = [Bundle.main.bundleURL] + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for dir in candidates {
            let url = dir.appendingPathComponent("tern")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return Bundle.main.bundleURL.appendingPathComponent("tern")
    }

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Output {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // stderr goes to a file and stdout to a pipe, so a chatty child can never block on a full pipe.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("tern-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let out = Pipe(), input = Pipe(), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        try err.close()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

extension XCTestCase {
    /// Asserts a failed run that explains itself in exactly one line containing `fragment`.
    func assertOneLineError(_ o: TernProcess.Output, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(o.status, 0, "expected failure, stdout: \(o.stdout)", file: file, line: line)
        let lines = o.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        XCTAssertEqual(lines.count, 1, "stderr should be one line: \(o.stderr)", file: file, line: line)
        XCTAssertTrue(o.stderr.contains(fragment), "stderr lacks '\(fragment)': \(o.stderr)", file: file, line: line)
    }

    func temporaryPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tern-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }
}
