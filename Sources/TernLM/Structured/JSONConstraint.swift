import Foundation
import TernEngine

/// Constrains generation to JSON matching a schema: a `TokenConstraint` over a `JSONMatcher`.
///
/// The vocabulary and mask cache are built once per tokenizer and shared by all requests; each
/// request makes its own constraint (a small value).
///
/// ```swift
/// let vocab = TokenVocabulary(tokens: tokenBytes, endOfGeneration: [1, 106])
/// let cache = TokenMaskCache(vocabulary: vocab)
/// var constraint = JSONConstraint(grammar: try JSONGrammar(schemaJSON: schemaText),
///                                 vocabulary: vocab, cache: cache)
/// if !constraint.allows(sampled) { constraint.mask(logits); /* sample again */ }
/// constraint.accept(sampled)
/// ```
public struct JSONConstraint: TokenConstraint, Sendable {
    public internal(set) var matcher: JSONMatcher
    public let vocabulary: TokenVocabulary
    public let cache: TokenMaskCache

    /// - Precondition: `cache` was made for `vocabulary`.
    public init(grammar: JSONGrammar, vocabulary: TokenVocabulary, cache: TokenMaskCache) {
        precondition(cache.vocabulary === vocabulary, "the mask cache belongs to another vocabulary")
        matcher = JSONMatcher(grammar: grammar)
        self.vocabulary = vocabulary
        self.cache = cache
    }

    /// O(token length): walks only this token's bytes.
    public func allows(_ token: Int) -> Bool {
        guard token >= 0, token < vocabulary.count else { return false }
        if vocabulary.endOfGeneration.contains(token) { return matcher.isComplete }
        let bytes = vocabulary.bytes(of: token)
        guard !bytes.isEmpty else { return false }
        var m = matcher
        for b in bytes where !m.step(b) { return false }
        return m.mayEndToken
    }

    public func mask(_ logits: UnsafeMutableBufferPointer<Float>) {
        // End-of-generation tokens keep their own logits when the output may end here.
        let ends = matcher.isComplete ? vocabulary.endOfGenerationIDs.filter { $0 < logits.count }.map { ($0, logits[$0]) } : []
        let bits = cache.allowedTokens(for: matcher)
        let limit = min(logits.count, vocabulary.count)
        for word in 0..<((limit + 63) / 64) where bits[word] != ~0 {
            let w = bits[word]
            for i in (word * 64)..<min(word * 64 + 64, limit) where w & (1 << UInt64(i & 63)) == 0 {
                logits[i] = -.infinity
            }
        }
        // Logits past the vocabulary (padded embedding rows) are never valid tokens.
        for i in limit..<logits.count { logits[i] = -.infinity }
        for (id, logit) in ends { logits[id] = logit }
    }

    public mutating func accept(_ token: Int) {
        if vocabulary.endOfGeneration.contains(token) { return }
        guard let next = matcher.advanced(by: vocabulary.bytes(of: token)) else {
            preconditionFailure("accept(\(token)) for a token the constraint does not allow")
        }
        matcher = next
    }

    public var isComplete: Bool { matcher.isComplete }
    public var mustEnd: Bool { matcher.mustEnd }
}
