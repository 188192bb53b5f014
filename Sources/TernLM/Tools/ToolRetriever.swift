import Foundation

/// Retrieval-aware prompting (Gorilla's idea): out of many functions, offer the model only the
/// few whose documentation is nearest to the request, by the cosine of sentence embeddings
/// (MiniLM through `EmbeddingModel`, or any model that embeds).
///
///     let retriever = try await ToolRetriever(tools: catalog, embedder: minilm)
///     let offered = try await retriever.nearest(to: "What's the weather in Lima?", count: 3)
public struct ToolRetriever: Sendable {
    public let tools: [ToolDefinition]
    public let embedder: any LanguageModel
    /// One vector per tool, of its name and description.
    let vectors: [[Float]]

    public init(tools: [ToolDefinition], embedder: any LanguageModel) async throws {
        self.tools = tools
        self.embedder = embedder
        vectors = try await embedder.embed(tools.map(Self.document))
    }

    /// What is embedded for a tool: its name with dots and underscores as spaces, and its description.
    static func document(_ t: ToolDefinition) -> String {
        t.name.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: ".", with: " ") + ": " + (t.description ?? "")
    }

    /// The `count` tools nearest to each query, nearest first.
    public func nearest(to queries: [String], count: Int) async throws -> [[ToolDefinition]] {
        return try await embedder.embed(queries).map { v in
            let scores = vectors.map { EmbeddingModel.cosine($0, v) }
            return scores.indices.sorted { scores[$0] > scores[$1] }.prefix(count).map { tools[$0] }
        }
    }

    public func nearest(to query: String, count: Int) async throws -> [ToolDefinition] {
        try await nearest(to: [query], count: count)[0]
    }
}
