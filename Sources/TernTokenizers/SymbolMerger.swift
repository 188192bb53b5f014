/// The merge loop shared by llama.cpp's SentencePiece and BPE tokenizers
/// (`llm_tokenizer_spm_session` and `llm_tokenizer_bpe_session` in src/llama-vocab.cpp) for one
/// fragment of text, already whitespace-escaped (SPM) or byte-encoded (BPE).
///
/// The text is cut into UTF-8 characters (symbols). Every adjacent pair the `MergeRule` allows is
/// queued with its priority; the best pair (highest priority, then leftmost) is merged, and the
/// merged symbol's new pairs with its neighbours are queued, until no pair is left. Each remaining
/// symbol is then a token, or, if its text is not in the vocabulary (only possible for a single
/// character), one byte token per UTF-8 byte.
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
    mutating func tokenize<Rule: MergeRule>(_ text: UnsafeBufferPointer<UInt8>, rule: Rule, vocabulary: Vocabulary,
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
            queuePair(Int32(right - 1), Int32(right), base, rule)
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
            queuePair(prev[left], pair.left, base, rule)
            queuePair(pair.left, next[left], base, rule)
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
    private mutating func queuePair<Rule: MergeRule>(_ left: Int32, _ right: Int32, _ base: UnsafePointer<UInt8>, _ rule: Rule) {
        guard left >= 0, right >= 0 else { return }
        let leftLength = Int(length[Int(left)]), rightLength = Int(length[Int(right)])
        guard let priority = rule.priority(base + Int(start[Int(left)]), leftLength, rightLength) else { return }
        queue.push(Bigram(score: priority, left: left, right: right, size: Int32(leftLength + rightLength)))
    }
}

/// Which adjacent symbols may merge, and how urgently (higher first).
protocol MergeRule {
    /// The priority of merging the symbol at `text` (`leftLength` bytes) with the one right after
    /// it (`rightLength` bytes), or nil if they do not merge.
    func priority(_ text: UnsafePointer<UInt8>, _ leftLength: Int, _ rightLength: Int) -> Float?
}

/// SentencePiece: a pair merges if its concatenation is a token, by that token's score.
struct ScoreRule: MergeRule {
    let vocabulary: Vocabulary
    let scores: [Float]

    @inline(__always)
    func priority(_ text: UnsafePointer<UInt8>, _ leftLength: Int, _ rightLength: Int) -> Float? {
        let id = vocabulary.id(text, leftLength + rightLength)
        return id >= 0 ? scores[id] : nil
    }
}

/// BPE: a pair merges if the two tokens are a listed merge, earlier merges first.
struct RankRule: MergeRule {
    let vocabulary: Vocabulary
    /// (left id << 32 | right id) → rank in `tokenizer.ggml.merges`.
    let ranks: [UInt64: Int32]

    @inline(__always)
    func priority(_ text: UnsafePointer<UInt8>, _ leftLength: Int, _ rightLength: Int) -> Float? {
        let left = vocabulary.id(text, leftLength), right = vocabulary.id(text + leftLength, rightLength)
        guard left >= 0, right >= 0, let rank = ranks[UInt64(left) << 32 | UInt64(right)] else { return nil }
        return -Float(rank)  // exact: ranks stay far below 2^24
    }
}
