import Foundation

/// A byte trie over a tokenizer's vocabulary, stored in flat arrays (compressed-row layout) so a
/// 262k-token vocabulary is a few arrays rather than a million objects.
///
/// ```swift
/// let trie = TokenTrie(tokens: [Array("{".utf8), Array("{\"".utf8), []])
/// trie.nodeCount  // 3: root, "{", "{\""; the empty token never matches
/// ```
public struct TokenTrie: Sendable {
    /// Children of node `n` are `childStart[n]..<childStart[n + 1]` in `childByte`/`childNode`,
    /// sorted by byte.
    let childStart: [Int32]
    let childByte: [UInt8]
    let childNode: [Int32]
    /// Tokens whose bytes end exactly at node `n` are `tokenStart[n]..<tokenStart[n + 1]` in `tokenIDs`.
    let tokenStart: [Int32]
    let tokenIDs: [Int32]

    public var nodeCount: Int { childStart.count - 1 }

    /// Builds the trie; token `i` has bytes `tokens[i]`, and empty byte strings are left out.
    public init(tokens: [[UInt8]]) {
        // Sorting puts every node's tokens in one contiguous run, with the ones ending at the
        // node first, so the trie can be laid out breadth-first in a single pass.
        let ids = tokens.indices.filter { !tokens[$0].isEmpty }.sorted {
            tokens[$0].lexicographicallyPrecedes(tokens[$1])
        }
        var childStart: [Int32] = [0]
        var childByte: [UInt8] = []
        var childNode: [Int32] = []
        var tokenStart: [Int32] = [0]
        var tokenIDs: [Int32] = []
        // Node n covers ids[ranges[n]] and sits at depth depths[n]; nodes are processed in index
        // order, which is also the order their child lists are appended in.
        var ranges: [Range<Int>] = [0..<ids.count]
        var depths: [Int32] = [0]
        var n = 0
        while n < ranges.count {
            let depth = Int(depths[n])
            var i = ranges[n].lowerBound
            let end = ranges[n].upperBound
            while i < end, tokens[ids[i]].count == depth {
                tokenIDs.append(Int32(ids[i]))
                i += 1
            }
            while i < end {
                let byte = tokens[ids[i]][depth]
                var j = i + 1
                while j < end, tokens[ids[j]][depth] == byte { j += 1 }
                childByte.append(byte)
                childNode.append(Int32(ranges.count))
                ranges.append(i..<j)
                depths.append(Int32(depth + 1))
                i = j
            }
            childStart.append(Int32(childByte.count))
            tokenStart.append(Int32(tokenIDs.count))
            n += 1
        }
        self.childStart = childStart
        self.childByte = childByte
        self.childNode = childNode
        self.tokenStart = tokenStart
        self.tokenIDs = tokenIDs
    }
}
