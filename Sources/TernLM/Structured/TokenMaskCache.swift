import Foundation

/// Allowed-token bitsets per (grammar, matcher state) for one vocabulary, shared by every request
/// that uses that vocabulary. Thread-safe; bounded, evicting the least recently used state.
///
/// Each entry costs `vocabulary.count / 8` bytes (32 KiB for a 262,144-token vocabulary).
///
/// ```swift
/// let cache = TokenMaskCache(vocabulary: vocab, capacity: 1024)
/// let bits = cache.allowedTokens(for: JSONMatcher(grammar: .anyJSONObject))
/// let tokenOK = bits[id >> 6] & (1 << UInt64(id & 63)) != 0
/// ```
public final class TokenMaskCache: @unchecked Sendable {
    public let vocabulary: TokenVocabulary
    public let capacity: Int

    private struct Key: Hashable {
        let grammar: JSONGrammar
        let state: JSONMatcher.State
    }

    private let lock = NSLock()
    private var entries: [Key: (bits: [UInt64], lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var hitCount = 0
    private var missCount = 0

    public init(vocabulary: TokenVocabulary, capacity: Int = 1024) {
        self.vocabulary = vocabulary
        self.capacity = max(1, capacity)
    }

    /// Number of cached states, hits and misses so far.
    public var statistics: (count: Int, hits: Int, misses: Int) {
        lock.withLock { (entries.count, hitCount, missCount) }
    }

    /// Bit `i` is set iff token `i` may come next. End-of-generation tokens are never set here
    /// (they depend only on `isComplete`, which the caller knows).
    public func allowedTokens(for matcher: JSONMatcher) -> [UInt64] {
        let key = Key(grammar: matcher.grammar, state: matcher.state)
        let cached: [UInt64]? = lock.withLock {
            clock += 1
            guard let e = entries[key] else { missCount += 1; return nil }
            hitCount += 1
            entries[key]!.lastUse = clock
            return e.bits
        }
        if let cached { return cached }
        // Computed outside the lock so other requests are not blocked; a race only duplicates work.
        let bits = Self.computeMask(matcher, vocabulary)
        lock.withLock {
            if entries.count >= capacity, entries[key] == nil,
               let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                entries[oldest] = nil
            }
            entries[key] = (bits, clock)
        }
        return bits
    }

    /// Walks the trie depth-first, pruning a whole subtree at the first refused byte. Matcher
    /// states met on the way are numbered and their byte transitions memoized, so the walk itself
    /// moves integers: inside a string almost every edge maps the state to itself, and stepping
    /// the full matcher once per trie edge (~600k for Gemma) would dominate the cost.
    static func computeMask(_ matcher: JSONMatcher, _ vocabulary: TokenVocabulary) -> [UInt64] {
        var bits = [UInt64](repeating: 0, count: (vocabulary.count + 63) / 64)
        let trie = vocabulary.trie
        var matchers: [JSONMatcher] = [matcher]
        var tokenMayEnd = [matcher.mayEndToken]  // per numbered state (see JSONMatcher.mayEndToken)
        var ids: [JSONMatcher.State: Int32] = [matcher.state: 0]
        var transitions = [Int32](repeating: -2, count: 256)  // -2 unknown, -1 refused
        var pending: [(node: Int32, state: Int32)] = [(0, 0)]
        bits.withUnsafeMutableBufferPointer { bits in
            trie.childStart.withUnsafeBufferPointer { childStart in
            trie.childByte.withUnsafeBufferPointer { childByte in
            trie.childNode.withUnsafeBufferPointer { childNode in
            trie.tokenStart.withUnsafeBufferPointer { tokenStart in
            trie.tokenIDs.withUnsafeBufferPointer { tokenIDs in
                while let (node, state) = pending.popLast() {
                    let n = Int(node)
                    for t in Int(tokenStart[n])..<Int(tokenStart[n + 1]) where tokenMayEnd[Int(state)] {
                        let id = Int(tokenIDs[t])
                        bits[id >> 6] |= 1 << UInt64(id & 63)
                    }
                    for c in Int(childStart[n])..<Int(childStart[n + 1]) {
                        let slot = Int(state) * 256 + Int(childByte[c])
                        var next = transitions[slot]
                        if next == -2 {
                            var m = matchers[Int(state)]
                            if m.step(childByte[c]) {
                                if let known = ids[m.state] {
                                    next = known
                                } else {
                                    next = Int32(matchers.count)
                                    ids[m.state] = next
                                    matchers.append(m)
                                    tokenMayEnd.append(m.mayEndToken)
                                    transitions += repeatElement(-2, count: 256)
                                }
                            } else {
                                next = -1
                            }
                            transitions[slot] = next
                        }
                        if next >= 0 { pending.append((childNode[c], next)) }
                    }
                }
            }}}}}
        }
        return bits
    }
}
