import Foundation

/// The shape of a BERT encoder, from a Hugging Face `config.json` (model_type "bert").
public struct BertConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var vocabularySize: Int
    public var eps: Float
    public var headDim: Int { hiddenSize / heads }

    public init(path: String) throws(EmbeddingError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EmbeddingError(.fileNotFound, "\(path): cannot read the model's config: check the path, or pull the model again")
        }
        guard let j = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EmbeddingError(.corrupt, "\(path): not a JSON object — re-pull the model")
        }
        guard j["model_type"] as? String ?? "bert" == "bert" else {
            throw EmbeddingError(.unsupported, "\(path): model_type \(j["model_type"] ?? "?") is not bert; Tern embeds with BERT encoders")
        }
        guard j["hidden_act"] as? String ?? "gelu" == "gelu", j["position_embedding_type"] as? String ?? "absolute" == "absolute" else {
            throw EmbeddingError(.unsupported, "\(path): Tern's BERT supports hidden_act gelu with absolute positions")
        }
        func int(_ key: String) throws(EmbeddingError) -> Int {
            guard let v = j[key] as? Int, v > 0 else { throw EmbeddingError(.corrupt, "\(path): '\(key)' is missing or not a positive integer") }
            return v
        }
        hiddenSize = try int("hidden_size")
        layers = try int("num_hidden_layers")
        heads = try int("num_attention_heads")
        intermediateSize = try int("intermediate_size")
        maxPositions = try int("max_position_embeddings")
        typeVocabularySize = try int("type_vocab_size")
        vocabularySize = try int("vocab_size")
        eps = Float(j["layer_norm_eps"] as? Double ?? 1e-12)
        guard hiddenSize % heads == 0, headDim % 8 == 0 else {
            throw EmbeddingError(.unsupported, "\(path): head size \(hiddenSize)/\(heads) must be a whole multiple of 8")
        }
    }
}
