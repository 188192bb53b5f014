import Foundation

/// A model Tern made by training: a known base model plus a LoRA adapter shipped inside the
/// package (`Sources/TernStore/Adapters`), so the name works on a fresh clone with no training
/// step. `ModelStore.resolveModel` turns its name into the base's file and the adapter's.
///
///     let r = try ModelStore().resolveModel("gemma3-270m-it")
///     r.path       // …/models/gemma-3-270m-q4_k_m.gguf (pulled on first use, like the base)
///     r.adapters   // […/Adapters/gemma3-270m-it.gguf]
public struct TunedModel: Sendable, Equatable {
    public let name: String
    /// The known model the adapter was trained on.
    public let base: String
    /// The adapter's file name in `Sources/TernStore/Adapters` (and in the built resource bundle).
    public let adapter: String
    /// Lowercase hex SHA-256 of the adapter file: a damaged copy is refused, not run.
    public let sha256: String
    /// The system message the model was trained with, used by `tern chat` when none is given.
    public let system: String?
    /// A folder holding the adapter instead of the package's (tests).
    public let directory: String?

    public init(name: String, base: String, adapter: String, sha256: String, system: String? = nil, directory: String? = nil) {
        self.name = name
        self.base = base
        self.adapter = adapter
        self.sha256 = sha256
        self.system = system
        self.directory = directory
    }

    /// Where the adapter is: in the resource bundle beside the executable (what `swift build`
    /// copies), else in the source tree this binary was built from. Nil when neither has it.
    public func adapterPath() -> String? {
        if let directory { return FileManager.default.fileExists(atPath: directory + "/" + adapter) ? directory + "/" + adapter : nil }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent().path
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        let candidates = [Bundle.main.bundlePath, executable].map { $0 + "/Tern_TernStore.resources/Adapters/" + adapter }
            + [source + "/Adapters/" + adapter]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}

/// What a `--model` argument names: a model file and the adapters to apply to it.
public struct ResolvedModel: Sendable, Equatable {
    public let path: String
    public let adapters: [String]
    /// The tuned model's system message, if it was trained with one.
    public let system: String?

    public init(path: String, adapters: [String], system: String? = nil) {
        self.path = path
        self.adapters = adapters
        self.system = system
    }
}
