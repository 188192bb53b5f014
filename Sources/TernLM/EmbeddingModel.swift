import Foundation
import TernEmbeddings

/// A sentence-embedding model (all-MiniLM-L6-v2, say) as a `LanguageModel`, so `tern serve`
/// answers `/v1/embeddings` with it by name: `embed` runs the encoder on a thread of its own;
/// generating or scoring text is refused with a one-line error, since an encoder does neither.
///
///     let minilm = try EmbeddingModel(folder: try ModelStore().resolve("minilm-l6"), name: "minilm-l6")
///     let vectors = try await minilm.embed(["A cat sits.", "Un chat est assis."])
public final class EmbeddingModel: LanguageModel {
    public let name: String
    public var backend: String { "local-embedding" }
    public var capabilities: ModelCapabilities { [] }
    public let embedder: SentenceEmbedder
    /// Texts per forward pass.
    public let batchSize: Int
    private let queue: DispatchQueue

    public init(folder: String, name: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount, batchSize: Int = 32) throws {
        self.name = name
        self.embedder = try SentenceEmbedder(folder: folder, threads: threads)
        self.batchSize = batchSize
        self.queue = DispatchQueue(label: "tern.embed.\(name)")
    }

    /// The cosine of two embedding vectors (0 when either is zero).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in a.indices { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
        return dot / max((na * nb).squareRoot(), 1e-12)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let embedder = self.embedder, batchSize = self.batchSize
        return await withCheckedContinuation { c in
            queue.async { c.resume(returning: embedder.embed(texts, batchSize: batchSize)) }
        }
    }

    private var notGenerative: LMError {
        .unsupported("\(name) is an embedding model: it answers /v1/embeddings (tern embed), not completions or scores")
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion { throw notGenerative }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> {
        AsyncThrowingStream { $0.finish(throwing: notGenerative) }
    }

    public func score(_ prompt: Prompt, continuation: String) async throws -> Score { throw notGenerative }
}
