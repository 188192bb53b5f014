import Foundation

/// A tokenizer's tokens as raw bytes, with their trie and end-of-generation ids. Build it once per
/// tokenizer and share it across requests (it is immutable).
///
/// ```swift
/// let vocab = TokenVocabulary(tokens: [Array("{".utf8), Array("}".utf8), []], endOfGeneration: [2])
/// vocab.bytes(of: 0)  // [123]
/// ```
public final class TokenVocabulary: Sendable {
    /// Number of token ids (including ones that never match).
    public let count: Int
    /// Tokens that end generation; allowed exactly when the output is complete.
    public let endOfGeneration: Set<Int>
    public let trie: TokenTrie
    /// All token bytes back to back; token `i` is `flatBytes[offsets[i]..<offsets[i + 1]]`.
    let flatBytes: [UInt8]
    let offsets: [Int32]
    /// `endOfGeneration` as a sorted array for the mask loop.
    let endOfGenerationIDs: [Int]

    /// - Parameters:
    ///   - tokens: token id → its bytes; an empty array is a token that never matches (control tokens).
    ///   - endOfGeneration: ids that end generation (EOS, end-of-turn).
    public init(tokens: [[UInt8]], endOfGeneration: Set<Int>) {
        count = tokens.count
        self.endOfGeneration = endOfGeneration
        endOfGenerationIDs = endOfGeneration.filter { $0 >= 0 && $0 < tokens.count }.sorted()
        trie = TokenTrie(tokens: tokens)
        var flat: [UInt8] = []
        var offsets: [Int32] = [0]
        flat.reserveCapacity(tokens.reduce(0) { $0 + $1.count })
        for t in tokens {
            flat += t
            offsets.append(Int32(flat.count))
        }
        flatBytes = flat
        self.offsets = offsets
    }

    /// The bytes of token `id`.
    public func bytes(of id: Int) -> ArraySlice<UInt8> {
        flatBytes[Int(offsets[id])..<Int(offsets[id + 1])]
    }
}
