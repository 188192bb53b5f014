/// Splits text at the special tokens it contains before SentencePiece sees it, reproducing
/// llama.cpp's `tokenizer_st_partition` (src/llama-vocab.cpp).
///
/// llama.cpp takes the special tokens (control, user-defined and unknown) one at a time, longest
/// text first, and cuts every left-to-right occurrence of each out of the text fragments that are
/// still plain text. So a longer token wins over a shorter one even when the shorter one starts
/// further left: with user-defined `ab` and `bcd`, "abcd" becomes "a" + `bcd`. llama.cpp orders
/// tokens of equal length with an unstable sort; here the lower id goes first. (For Gemma's
/// vocabulary this cannot matter: no two of its equal-length special tokens can overlap.)
///
/// Rather than scanning the text once per special token (Gemma has 6,414), all occurrences are
/// found in one pass with a byte trie and then taken in llama.cpp's order. Control and unknown
/// tokens take part only with `parseSpecial`; user-defined ones (Gemma's runs of spaces, tabs and
/// newlines, HTML tags) always do.
struct SpecialTokenSplitter: Sendable {
    enum Fragment: Equatable {
        /// Plain text, as a byte range of the input.
        case text(Range<Int>)
        case token(Int)
    }

    /// Special token ids in matching order: longer text first, then lower id. A token's index in
    /// this list is its rank.
    private let ranked: [Int]
    private let lengths: [Int]  // by rank
    private let onRequest: [Bool]  // by rank: control or unknown, so only with parseSpecial
    private let children: [UInt64: Int32]  // (node << 8 | byte) → child node; node 0 is the root
    private let rankAtNode: [Int32]  // the rank of the token whose text ends at a node, or -1
    private let startsSpecial: [Bool]  // (256): whether some special token begins with the byte

    init(vocabulary: Vocabulary, attributes: [TokenAttributes]) {
        let specials = (0..<vocabulary.count).filter { !attributes[$0].isDisjoint(with: .special) }
        ranked = specials.sorted {
            let a = vocabulary.text($0).count, b = vocabulary.text($1).count
            return a != b ? a > b : $0 < $1
        }
        lengths = ranked.map { vocabulary.text($0).count }
        onRequest = ranked.map { !attributes[$0].isDisjoint(with: .onRequest) }

        var children: [UInt64: Int32] = [:]
        var rankAtNode: [Int32] = [-1]
        var startsSpecial = [Bool](repeating: false, count: 256)
        for (rank, id) in ranked.enumerated() {
            var node = 0
            for byte in vocabulary.text(id) {
                let key = UInt64(node) << 8 | UInt64(byte)
                if let child = children[key] {
                    node = Int(child)
                } else {
                    rankAtNode.append(-1)
                    children[key] = Int32(rankAtNode.count - 1)
                    node = rankAtNode.count - 1
                }
            }
            rankAtNode[node] = Int32(rank)
            startsSpecial[Int(vocabulary.text(id).first!)] = true
        }
        self.children = children
        self.rankAtNode = rankAtNode
        self.startsSpecial = startsSpecial
    }

    /// The fragments of `text` in order; empty text has none.
    func split(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        let n = text.count
        // Every occurrence of every eligible special token, keyed so that sorting puts them in
        // llama.cpp's processing order: by rank, then by position.
        var occurrences: [UInt64] = []
        for position in 0..<n where startsSpecial[Int(text[position])] {
            var node = 0, end = position
            while end < n, let child = children[UInt64(node) << 8 | UInt64(text[end])] {
                node = Int(child)
                end += 1
                let rank = Int(rankAtNode[node])
                if rank >= 0, parseSpecial || !onRequest[rank] {
                    occurrences.append(UInt64(rank) << 32 | UInt64(position))
                }
            }
        }
        guard !occurrences.isEmpty else { return n > 0 ? [.text(0..<n)] : [] }
        occurrences.sort()

        // An occurrence is cut out if none of its bytes belongs to a token cut out before it.
        var taken = [Bool](repeating: false, count: n)
        var rankAt = [Int32](repeating: -1, count: n)  // rank of the token cut out starting here
        for occurrence in occurrences {
            let rank = Int(occurrence >> 32), position = Int(occurrence & 0xFFFF_FFFF)
            let range = position ..< position + lengths[rank]
            guard !range.contains(where: { taken[$0] }) else { continue }
            for i in range { taken[i] = true }
            rankAt[position] = Int32(rank)
        }

        var fragments: [Fragment] = []
        var textStart = 0, position = 0
        while position < n {
            let rank = Int(rankAt[position])
            guard rank >= 0 else { position += 1; continue }
            if textStart < position { fragments.append(.text(textStart ..< position)) }
            fragments.append(.token(ranked[rank]))
            position += lengths[rank]
            textStart = position
        }
        if textStart < n { fragments.append(.text(textStart ..< n)) }
        return fragments
    }
}
