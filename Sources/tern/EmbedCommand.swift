import ArgumentParser
import Foundation
import TernLM
import TernStore

struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed texts with a sentence-embedding model; prints a JSON array of vectors, one per text.",
        discussion: "With no TEXT, one text per line is read from standard input.")

    static let defaultModel = "minilm-l6"

    @Option(name: .shortAndLong, help: "Embedding model name (minilm-l6, fetched on first use) or a sentence-transformers model folder.")
    var model = Embed.defaultModel
    @Option(name: [.customShort("t"), .long], help: "Worker threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("batch-size"), help: "Texts per forward pass.")
    var batchSize = 32
    @Option(help: "Instead of printing vectors, time this many batches of --batch-size texts (after one warm-up batch, best of 3 runs) and print texts/s.")
    var benchmark: Int?
    @Argument(help: "Texts to embed.")
    var texts: [String] = []

    func run() async throws {
        guard batchSize > 0 else { throw CommandError("--batch-size must be at least 1") }
        let embedding = try Self.load(model, threads: max(1, threads), batchSize: batchSize)
        if let batches = benchmark {
            guard batches > 0 else { throw CommandError("--benchmark takes a number of batches, at least 1") }
            let texts = Self.benchmarkTexts(batches * batchSize)
            let tokens = texts.reduce(0) { $0 + embedding.embedder.tokenizer.encode($1, maxLength: embedding.embedder.maxLength).count }
            _ = try await embedding.embed(Array(texts.prefix(batchSize)))  // warm-up: first touch of the weights
            var times: [Double] = []
            for _ in 0..<3 {
                let start = Date()  // tokenizing, encoding and pooling, as a caller of `embed` waits for them
                _ = try await embedding.embed(texts)
                times.append(Date().timeIntervalSince(start))
            }
            let best = times.min()!, mean = times.reduce(0, +) / 3
            emit(String(format: "%@: %d texts (%d tokens) in batches of %d on %d thread(s), best of 3: %.3f s, %.1f texts/s (mean %.1f)\n",
                        model, texts.count, tokens, batchSize, max(1, threads), best, Double(texts.count) / best, Double(texts.count) / mean))
            return
        }
        var input = texts
        if input.isEmpty {
            while let line = readLine(strippingNewline: true) { input.append(line) }
        }
        guard !input.isEmpty else { throw CommandError("no text to embed: pass TEXT arguments or lines on standard input") }
        let vectors = try await embedding.embed(input)
        let json = try JSONSerialization.data(withJSONObject: vectors.map { $0.map { Double($0) } })
        emit(String(decoding: json, as: UTF8.self) + "\n")
    }

    /// A known name through the model store, or a model folder as it is.
    static func load(_ model: String, threads: Int, batchSize: Int = 32) throws -> EmbeddingModel {
        var isDirectory: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) && isDirectory.boolValue
            ? model : try ModelStore().resolve(model)
        return try EmbeddingModel(folder: folder, name: model, threads: threads, batchSize: batchSize)
    }

    /// Sentences of everyday length (8 to 40 tokens), made distinct by their index.
    static func benchmarkTexts(_ count: Int) -> [String] {
        let base = [
            "How do I reset my password?",
            "The quick brown fox jumps over the lazy dog near the river bank.",
            "Routing sends easy prompts to a small model and hard ones to a large model.",
            "What is the capital of France, and how many people live there today?",
            "Mean pooling averages the token vectors of the last layer into one sentence vector.",
            "A man is playing a guitar on the street while people walk past him in the rain.",
            "Please summarise the attached report in three short bullet points for the board.",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
        ]
        return (0..<count).map { "\(base[$0 % base.count]) (\($0))" }
    }
}
