import TernKernels

/// Why a GGUF file could not be read or written, naming the field and the byte offset where
/// reading stopped.
///
/// Its `description` is the one line a user sees:
///
///     do {
///         let file = try GGUFFile(path: "model.gguf")
///     } catch {
///         print(error)
///         // model.gguf: truncated file: tensor info 'blk.0.attn_q.weight' dims at byte 1234
///         //   — re-download or re-pull the model
///     }
public struct GGUFError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No file at the path.
        case fileNotFound
        /// The file does not start with the magic "GGUF".
        case notGGUF
        /// GGUF v1, a big-endian file, or a version newer than 3.
        case unsupportedVersion
        /// A count, length or offset points past the end of the file.
        case truncated
        /// A field holds a value the format does not allow (bad type id, invalid UTF-8, ...).
        case invalidValue
        /// A tensor uses a ggml type Tern cannot compute with.
        case unsupportedTensorType
        /// The operating system refused to open, map or write the file.
        case io
    }

    public let kind: Kind
    /// What was being read, e.g. "tensor info 'blk.0.attn_q.weight' dims".
    public let field: String
    /// Absolute byte offset in the file where that field starts.
    public let offset: Int
    /// The file's path, or nil when parsing bytes from memory.
    public let path: String?

    public init(_ kind: Kind, field: String, offset: Int, path: String? = nil) {
        self.kind = kind
        self.field = field
        self.offset = offset
        self.path = path
    }

    public var description: String {
        let prefix = path.map { "\($0): " } ?? ""
        switch kind {
        case .fileNotFound:
            return "\(prefix)\(summary) — \(advice)"
        case .io:
            // The offset means nothing to a user when the file could not be opened at all.
            return "\(prefix)\(summary): \(field) — \(advice)"
        default:
            return "\(prefix)\(summary): \(field) at byte \(offset) — \(advice)"
        }
    }

    private var summary: String {
        switch kind {
        case .fileNotFound: return "file not found"
        case .notGGUF: return "not a GGUF file"
        case .unsupportedVersion: return "unsupported GGUF version"
        case .truncated: return "truncated file"
        case .invalidValue: return "corrupt file"
        case .unsupportedTensorType: return "unsupported tensor type"
        case .io: return "I/O error"
        }
    }

    private var advice: String {
        switch kind {
        case .fileNotFound:
            return "check the path, or pull the model again"
        case .notGGUF:
            return "pass a .gguf model file (convert other formats with llama.cpp's convert_hf_to_gguf.py)"
        case .unsupportedVersion:
            return "Tern reads little-endian GGUF v2 and v3; re-convert the model with a current llama.cpp"
        case .truncated, .invalidValue:
            return "re-download or re-pull the model"
        case .unsupportedTensorType:
            let known = GGMLType.allCases.map(\.description).joined(separator: ", ")
            return "use a model quantized with one of \(known)"
        case .io:
            return "check the path, its permissions and the free disk space"
        }
    }
}
