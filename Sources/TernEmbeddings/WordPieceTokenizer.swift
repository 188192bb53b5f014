import Foundation

/// BERT's tokenizer, as a WordPiece `tokenizer.json` describes it:
///
/// 1. special tokens ("[CLS]", "[MASK]", …) written in the text are matched verbatim;
/// 2. the rest is normalized: control characters dropped, whitespace made a space, each CJK
///    ideograph set apart, accents stripped (canonical decomposition less nonspacing marks) and
///    letters lowercased one scalar at a time (no context-dependent final sigma);
/// 3. split into words at whitespace, each punctuation character a word of its own;
/// 4. each word becomes its longest vocabulary prefix, then "##"-prefixed longest pieces of the
///    rest, or [UNK] if some part matches nothing (or the word is over 100 scalars);
/// 5. [CLS] … [SEP] around it all, cut to a maximum length (keeping the final [SEP]).
///
///     let tokenizer = try WordPieceTokenizer(path: "tokenizer.json")
///     tokenizer.encode("Hello, world!")   // [101, 7592, 1010, 2088, 999, 102]
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int]
    public let unknown: Int, cls: Int, sep: Int
    let prefix: String
    let maxScalarsPerWord: Int
    let cleanText: Bool, chineseChars: Bool, stripAccents: Bool, lowercase: Bool
    /// Added tokens matched verbatim in the raw text, longest first, as scalars.
    let specials: [([Unicode.Scalar], Int)]

    public init(path: String) throws(EmbeddingError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EmbeddingError(.fileNotFound, "\(path): cannot read the tokenizer: check the path, or pull the model again")
        }
        try self.init(json: data, source: path)
    }

    public init(json: Data, source: String = "tokenizer.json") throws(EmbeddingError) {
        func bad(_ what: String) -> EmbeddingError { EmbeddingError(.corrupt, "\(source): \(what)") }
        guard let root = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else { throw bad("not a JSON object") }
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "WordPiece",
              let vocab = model["vocab"] as? [String: Int]
        else { throw EmbeddingError(.unsupported, "\(source): not a WordPiece tokenizer; Tern's embedding models use BERT's") }
        vocabulary = vocab
        func id(_ token: String) throws(EmbeddingError) -> Int {
            guard let id = vocab[token] else { throw bad("the vocabulary has no '\(token)'") }
            return id
        }
        unknown = try id(model["unk_token"] as? String ?? "[UNK]")
        cls = try id("[CLS]")
        sep = try id("[SEP]")
        prefix = model["continuing_subword_prefix"] as? String ?? "##"
        maxScalarsPerWord = model["max_input_chars_per_word"] as? Int ?? 100
        let normalizer = root["normalizer"] as? [String: Any] ?? [:]
        guard normalizer.isEmpty || normalizer["type"] as? String == "BertNormalizer" else {
            throw EmbeddingError(.unsupported, "\(source): normalizer \(normalizer["type"] ?? "?") is not BertNormalizer")
        }
        cleanText = normalizer["clean_text"] as? Bool ?? true
        chineseChars = normalizer["handle_chinese_chars"] as? Bool ?? true
        lowercase = normalizer["lowercase"] as? Bool ?? true
        stripAccents = normalizer["strip_accents"] as? Bool ?? lowercase  // null follows lowercase
        let added = root["added_tokens"] as? [[String: Any]] ?? []
        specials = added.compactMap { t -> ([Unicode.Scalar], Int)? in
            guard let content = t["content"] as? String, let id = t["id"] as? Int, !content.isEmpty else { return nil }
            return (Array(content.unicodeScalars), id)
        }.sorted { $0.0.count > $1.0.count }
    }

    /// Token ids of `text` between [CLS] and [SEP], at most `maxLength` of them in all.
    public func encode(_ text: String, maxLength: Int? = nil) -> [Int] {
        var ids = [cls] + pieces(text) + [sep]
        if let maxLength, ids.count > maxLength { ids = Array(ids.prefix(max(1, maxLength - 1))) + [sep] }
        return ids
    }

    /// The WordPiece ids of `text`, without [CLS] and [SEP].
    public func pieces(_ text: String) -> [Int] {
        var ids: [Int] = []
        var plain: [Unicode.Scalar] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func flush() {
            for word in words(plain) { ids += wordPieces(word) }
            plain.removeAll()
        }
        while i < scalars.count {
            if let (s, id) = specials.first(where: { s, _ in scalars[i...].starts(with: s) }) {
                flush()
                ids.append(id)
                i += s.count
            } else {
                plain.append(scalars[i])
                i += 1
            }
        }
        flush()
        return ids
    }

    /// Normalized words (step 2 and 3) of text that holds no special token.
    func words(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var cleaned = String.UnicodeScalarView()
        for s in scalars {
            if cleanText {
                if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
                if Self.isWhitespace(s) { cleaned.append(" "); continue }
            }
            if chineseChars && Self.isCJK(s) {
                cleaned.append(" "); cleaned.append(s); cleaned.append(" ")
            } else {
                cleaned.append(s)
            }
        }
        var normalized = Array(cleaned)
        if stripAccents {
            normalized = String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase { normalized = normalized.flatMap { $0.properties.lowercaseMapping.unicodeScalars } }

        var words: [[Unicode.Scalar]] = [], word: [Unicode.Scalar] = []
        for s in normalized {
            if Self.isWhitespace(s) {
                if !word.isEmpty { words.append(word); word = [] }
            } else if Self.isPunctuation(s) {
                if !word.isEmpty { words.append(word); word = [] }
                words.append([s])
            } else {
                word.append(s)
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// Greedy longest-match-first pieces of one word, or [UNK] for the whole word.
    func wordPieces(_ word: [Unicode.Scalar]) -> [Int] {
        guard word.count <= maxScalarsPerWord else { return [unknown] }
        var ids: [Int] = [], start = 0
        while start < word.count {
            var end = word.count, match: Int?
            while start < end {
                var piece = String(String.UnicodeScalarView(word[start..<end]))
                if start > 0 { piece = prefix + piece }
                if let id = vocabulary[piece] { match = id; break }
                end -= 1
            }
            guard let id = match else { return [unknown] }
            ids.append(id)
            start = end
        }
        return ids
    }

    // MARK: Character classes (as BERT defines them)

    /// Unicode's "Other" categories, except tab, newline and carriage return (whitespace here).
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    /// ASCII punctuation and symbols (so "$", "+", "<" split off), and Unicode's P* categories.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks and their extensions and compatibility forms (not
    /// Japanese kana or Korean hangul, which are written with spaces).
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
