import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// The playground's static files (HTML, ES modules, CSS), shipped beside the `tern` binary in
/// SwiftPM's resource bundle `tern_TernServer.resources/Playground` and read once at start. Only
/// the files found there are served, by exact name, so no request path reaches the file system.
struct PlaygroundAssets: Sendable {
    /// File name → (content type, bytes).
    let files: [String: (type: String, body: ByteBuffer)]
    /// Where the files were read from, or why none were found.
    let origin: String

    static let bundleName = "Tern_TernServer.resources"

    init() {
        var folders: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["TERN_PLAYGROUND_DIR"] { folders.append(URL(fileURLWithPath: dir)) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for base in [Bundle.main.bundleURL, executable] {
            folders.append(base.appendingPathComponent(Self.bundleName).appendingPathComponent("Playground"))
        }
        for folder in folders {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path), names.contains("index.html") else { continue }
            var files: [String: (String, ByteBuffer)] = [:]
            for name in names {
                guard let type = Self.contentType(name),
                      let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
                files[name] = (type, ByteBuffer(bytes: data))
            }
            self.files = files
            origin = folder.path
            return
        }
        files = [:]
        origin = "no playground files in " + folders.map(\.path).joined(separator: " or ")
    }

    static func contentType(_ name: String) -> String? {
        switch (name as NSString).pathExtension {
        case "html": return "text/html; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        default: return nil
        }
    }

    func response(_ name: String) -> Response {
        guard let file = files[name] else {
            let message = files.isEmpty
                ? "The playground's files are missing (\(origin)): they ship next to the tern binary as \(Self.bundleName); reinstall Tern or set TERN_PLAYGROUND_DIR."
                : "No such file: \(name)"
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message)))
        }
        // The page's own policy: scripts and styles from this server only, no inline script, and
        // nothing fetched from elsewhere (model output can never load or run anything).
        return Response(status: .ok, headers: [
            .contentType: file.type, .cacheControl: "no-cache",
            HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ], body: .init(byteBuffer: file.body))
    }
}
