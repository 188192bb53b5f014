import TernEngine
import TernTokenizers

/// What constrained decoding needs from a tokenizer: every token's bytes, their trie, and the
/// per-state mask cache. Building it takes about 0.4 s for Gemma's 262k tokens, so build it once
/// per model and share it.
///
///     let tables = ConstraintTables(loaded.tokenizer)
///     options.constraint = tables.constraint(try JSONGrammar(schema: schema))
public final class ConstraintTables: Sendable {
    public let vocabulary: TokenVocabulary
    public let masks: TokenMaskCache

    public init(_ tokenizer: any Tokenizer) {
        let ids = 0..<tokenizer.vocabularySize
        vocabulary = TokenVocabulary(tokens: ids.map { tokenizer.bytes(of: $0, renderSpecial: false) },
                                     endOfGeneration: Set(ids.filter { tokenizer.isEndOfGeneration($0) }))
        masks = TokenMaskCache(vocabulary: vocabulary)
    }

    /// Tables over a vocabulary given directly (tests use small ones).
    public init(vocabulary: TokenVocabulary) {
        self.vocabulary = vocabulary
        masks = TokenMaskCache(vocabulary: vocabulary)
    }

    public func constraint(_ grammar: JSONGrammar) -> JSONConstraint {
        JSONConstraint(grammar: grammar, vocabulary: vocabulary, cache: masks)
    }
}

extension ResponseFormat {
    /// The grammar this format asks for: any JSON object, or a schema's values; nil for text.
    /// A schema the grammar compiler cannot enforce is an invalid request.
    public func grammar() throws -> JSONGrammar? {
        switch self {
        case .text: return nil
        case .jsonObject: return JSONGrammar.anyJSONObject
        case .jsonSchema(_, let schema):
            do { return try JSONGrammar(schema: schema) } catch {
                throw LMError.invalidRequest("response_format json_schema: \(error)")
            }
        }
    }
}
