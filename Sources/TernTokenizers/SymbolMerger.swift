/// The SentencePiece merge loop of llama.cpp's SPM tokenizer (`llm_tokenizer_spm_session` in
/// src/llama-vocab.cpp) for one fragment of text that is already whitespace-escaped.
///
/// The text is cut into UTF-8 characters (symbols). Every adjacent pair whose concatenation is a
/// vocabulary token is queued with that token's score; the best pair (highest score, then leftmost)
/// is merged, and the merged symbol's new pairs with its neighbours are queued, until no pair is
/// left. Each remaining symbol is then a token, or, if its text is not in the vocabulary (only
/// possible for a single character), one byte token per UTF-8 byte.
///
/// Symbols are byte ranges of the fragment linked in a list; merging grows the left symbol and
/// empties the right one. The scratch arrays are reused from fragment to fragment.
struct SymbolMerger {
    private var start: [Int32] = []
    private var length: [Int32] = []  // 0 once merged into the left neighbour
    private var prev: [Int32] = []  // -1 at the ends
    private var next: [Int32] = []
    private var queue = BigramQueue()

    /// Byte length of a UTF-8 sequence from its first byte, as llama.cpp's `unicode_len_utf8`: a
    /// stray continuation byte counts as a character of its own.
    private static let sequenceLength: [Int32] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4]

    /// Appends the tokens of `text` to `output`. `byteTokens[b]` is the token for byte `b` (-1: none).
    mutating func tokenize(_ text: UnsafeBufferPointer<UInt8>, vocabulary: Vocabulary, scores: [Float],
                           byteTokens: [Int], into output: inout [Int]) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        start.removeAll(keepingCapacity: true)
        length.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        queue.removeAll()

        var offset = 0
        while offset < text.count {
            let n = min(Int(Self.sequenceLength[Int(text[offset] >> 4)]), text.count - offset)
            let index = Int32(start.count)
            start.append(Int32(offset))
            length.append(Int32(n))
            prev.append(index - 1)
            offset += n
            next.append(offset == text.count ? -1 : index + 1)
        }

        for right in 1..<max(start.count, 1) {
            queuePair(Int32(right - 1), Int32(right), base, vocabulary, scores)
        }

        while let pair = queue.pop() {
            let left = Int(pair.left), right = Int(pair.right)
            // Stale: one side was merged away, or grew (sizes only grow, so the sum tells).
            if length[left] == 0 || length[right] == 0 || length[left] + length[right] != pair.size {
                continue
            }
            length[left] += length[right]
            length[right] = 0
            next[left] = next[right]
            if next[right] >= 0 { prev[Int(next[right])] = pair.left }
            queuePair(prev[left], pair.left, base, vocabulary, scores)
            queuePair(pair.left, next[left], base, vocabulary, scores)
        }

        // A merged symbol is a token by construction, so only single characters can miss the
        // vocabulary; llama.cpp's `rev_merge` re-splitting never applies and is not needed here.
        var symbol = 0
        while symbol >= 0 {
            let from = base + Int(start[symbol]), count = Int(length[symbol])
            let id = vocabulary.id(from, count)
            if id >= 0 {
                output.append(id)
            } else {
                for i in 0..<count where byteTokens[Int(from[i])] >= 0 {
                    output.append(byteTokens[Int(from[i])])
                }
            }
            symbol = Int(next[symbol])
        }
    }

    @inline(__always)
    private mutating func queuePair(_ left: Int32, _ right: Int32, _ base: UnsafePointer<UInt8>,
                                    _ vocabulary: Vocabulary, _ scores: [Float]) {
        guard left >= 0, right >= 0 else { return }
        let size = length[Int(left)] + length[Int(right)]
        let id = vocabulary.id(base + Int(start[Int(left)]), Int(size))
        guard id >= 0 else { return }
        queue.push(Bigram(score: scores[id], left: left, right: right, size: size))
    }
}
