import Foundation

/// A sentence-transformers model folder (all-MiniLM-L6-v2 and its kind) as one text → vector
/// function: WordPiece tokens cut to the model's `max_seq_length`, a BERT encoder, the mean of
/// the last hidden states over all tokens ([CLS] and [SEP] included), and L2 normalization when
/// the folder's modules.json ends in a Normalize module.
///
/// The folder holds config.json, tokenizer.json, model.safetensors, sentence_bert_config.json,
/// modules.json and 1_Pooling/config.json, as sentence-transformers saves them.
///
///     let embedder = try SentenceEmbedder(folder: path, threads: 2)
///     let vectors = embedder.embed(["A cat sits.", "Un chat est assis."])   // 2 × 384, unit length
public final class SentenceEmbedder: @unchecked Sendable {  // `lock` serialises forward passes
    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder
    /// Tokens per text, [CLS] and [SEP] included; longer texts are cut.
    public let maxLength: Int
    public let normalize: Bool
    public var dimension: Int { encoder.config.hiddenSize }
    private let lock = NSLock()

    public init(folder: String, threads: Int) throws(EmbeddingError) {
        func path(_ file: String) -> String { (folder as NSString).appendingPathComponent(file) }
        func json(_ file: String) throws(EmbeddingError) -> Any? {
            guard let data = FileManager.default.contents(atPath: path(file)) else { return nil }
            guard let value = try? JSONSerialization.jsonObject(with: data) else {
                throw EmbeddingError(.corrupt, "\(path(file)): not valid JSON — re-pull the model")
            }
            return value
        }
        guard FileManager.default.fileExists(atPath: path("model.safetensors")) else {
            throw EmbeddingError(.fileNotFound, "\(folder): no model.safetensors — pass a sentence-transformers model folder, or pull the model again")
        }
        let config = try BertConfig(path: path("config.json"))
        tokenizer = try WordPieceTokenizer(path: path("tokenizer.json"))
        encoder = try BertEncoder(weights: try SafeTensorsFile(path: path("model.safetensors")), config: config, threads: threads)
        let st = try json("sentence_bert_config.json") as? [String: Any] ?? [:]
        maxLength = min(st["max_seq_length"] as? Int ?? config.maxPositions, config.maxPositions)
        if let pooling = try json("1_Pooling/config.json") as? [String: Any] {
            let modes = pooling.filter { $0.key.hasPrefix("pooling_mode_") && $0.value as? Bool == true }.map(\.key)
            guard modes == ["pooling_mode_mean_tokens"] else {
                throw EmbeddingError(.unsupported, "\(path("1_Pooling/config.json")): pooling \(modes.sorted()) — Tern pools by the mean of the tokens")
            }
        }
        let modules = try json("modules.json") as? [[String: Any]] ?? []
        normalize = modules.contains { ($0["type"] as? String)?.hasSuffix(".Normalize") == true }
        guard tokenizer.vocabulary.values.allSatisfy({ $0 < config.vocabularySize }) else {
            throw EmbeddingError(.corrupt, "\(path("tokenizer.json")): token ids exceed the model's vocabulary of \(config.vocabularySize)")
        }
    }

    /// One vector per text, `batchSize` texts per forward pass.
    public func embed(_ texts: [String], batchSize: Int = 32) -> [[Float]] {
        let ids = texts.map { tokenizer.encode($0, maxLength: maxLength) }
        var out: [[Float]] = []
        out.reserveCapacity(texts.count)
        for start in stride(from: 0, to: ids.count, by: max(1, batchSize)) {
            let batch = Array(ids[start..<min(start + max(1, batchSize), ids.count)])
            let hidden = lock.withLock { encoder.hiddenStates(batch) }
            var t = 0
            for s in batch {
                out.append(pool(hidden, from: t, count: s.count))
                t += s.count
            }
        }
        return out
    }

    /// The mean of `count` hidden rows from row `from`, L2-normalized if the model asks for it.
    private func pool(_ hidden: [Float], from: Int, count: Int) -> [Float] {
        let H = dimension
        var v = [Float](repeating: 0, count: H)
        for t in from..<(from + count) { for c in 0..<H { v[c] += hidden[t * H + c] } }
        for c in 0..<H { v[c] /= Float(count) }
        guard normalize else { return v }
        let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / max(norm, 1e-12) }  // as torch's normalize: a zero vector stays zero
    }
}
