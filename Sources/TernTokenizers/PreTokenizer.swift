import Foundation

/// How a byte-level BPE vocabulary cuts text into words before merging, by the name in the GGUF's
/// `tokenizer.ggml.pre`, as llama.cpp does it (`llm_tokenizer_bpe` in src/llama-vocab.cpp and
/// `unicode_regex_split` in src/unicode.cpp).
///
/// A pre-tokenizer is a list of steps. Each step cuts every piece the previous step left into
/// smaller ones: what a pattern matches becomes a piece, and so does each stretch between matches.
/// The common patterns run as hand-written scanners that implement exactly their regular
/// expressions (llama.cpp does the same, for speed); the rest run as regular expressions.
///
///     PreTokenizer(name: "llama-bpe")!.split("Hello world 12345")   // ["Hello", " world", " ", "123", "45"]
///
/// Character classes follow Unicode: `\p{L}` letters, `\p{N}` numbers (general categories), `\s`
/// the White_Space characters.
public struct PreTokenizer: Sendable {
    enum Step: Sendable {
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (GPT-2).
        case gpt2
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        /// with D = 3 (Llama 3) or 1 (Qwen 2).
        case llama3(digits: Int)
        /// Every number character on its own (`\p{N}`).
        case eachDigit
        case pattern(Pattern)
    }

    public let name: String
    let steps: [Step]

    /// The pre-tokenizer llama.cpp uses for `name`, or nil if Tern does not know it.
    public init?(name: String) {
        let steps: [Step]
        switch name {
        case "gpt-2", "phi-2", "mpt", "olmo", "jais": steps = [.gpt2]
        case "llama-bpe", "llama3", "falcon3", "dbrx", "smaug-bpe": steps = [.llama3(digits: 3)]
        case "qwen2", "stablelm2", "deepseek-r1-qwen": steps = [.llama3(digits: 1)]
        case "smollm", "starcoder", "refact", "command-r": steps = [.eachDigit, .gpt2]
        case "deepseek-llm":
            // (ICU's \x{…} for the characters outside ASCII, written as llama.cpp lists them)
            steps = Self.patterns([
                "[\r\n]",
                "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
                "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
                "\\s+$",
                "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
                "\\p{N}+",
            ])
        case "bloom", "poro-chat", "gpt3-finnish":
            steps = Self.patterns([" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+"])
        case "falcon":
            steps = Self.patterns(["[\\p{P}\\$\\+<=>\\^~\\|`]+"]) + [.gpt2] + Self.patterns(["[0-9][0-9][0-9]"])
        case "default":
            steps = Self.patterns(["[\\p{P}\\$\\+<=>\\^~\\|]+"]) + [.gpt2] + Self.patterns(["\\p{N}+", "[0-9][0-9][0-9]"])
        default: return nil
        }
        self.name = name
        self.steps = steps
    }

    /// The names `init(name:)` accepts.
    public static let supported = ["bloom", "command-r", "dbrx", "deepseek-llm", "deepseek-r1-qwen", "default", "falcon", "falcon3", "gpt-2", "gpt3-finnish",
                                   "jais", "llama-bpe", "llama3", "mpt", "olmo", "phi-2", "poro-chat", "qwen2", "refact", "smaug-bpe",
                                   "smollm", "stablelm2", "starcoder"]

    /// The pieces of `text`, in order; joined they give `text` back.
    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return pieces(scalars).map { range in
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[range])
            return String(s)
        }
    }

    /// The pieces of `scalars` as ranges, in order, covering all of it.
    func pieces(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var pieces = scalars.isEmpty ? [] : [0..<scalars.count]
        for step in steps {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count * 2)
            for piece in pieces {
                switch step {
                case .gpt2: Self.gpt2(scalars, piece, into: &next)
                case .llama3(let digits): Self.llama3(scalars, piece, digits: digits, into: &next)
                case .eachDigit: Self.eachDigit(scalars, piece, into: &next)
                case .pattern(let pattern): pattern.split(scalars, piece, into: &next)
                }
            }
            pieces = next
        }
        return pieces
    }

    private static func patterns(_ sources: [String]) -> [Step] {
        sources.map { .pattern(try! Pattern($0)) }
    }

    // MARK: the scanners

    /// The character classes the patterns use.
    struct Class {
        static func isLetter(_ s: Unicode.Scalar) -> Bool {
            switch s.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return false
            }
        }

        static func isNumber(_ s: Unicode.Scalar) -> Bool {
            switch s.properties.generalCategory {
            case .decimalNumber, .letterNumber, .otherNumber: return true
            default: return false
            }
        }

        static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }
    }

    /// An English contraction at `i` ('s 't 're 've 'm 'll 'd; any case if `anyCase`): its length, or 0.
    private static func contraction(_ t: [Unicode.Scalar], _ i: Int, _ end: Int, anyCase: Bool) -> Int {
        guard t[i] == "'", i + 1 < end else { return 0 }
        func lower(_ s: Unicode.Scalar) -> Unicode.Scalar { anyCase && ("A"..."Z").contains(s) ? Unicode.Scalar(s.value + 32)! : s }
        let a = lower(t[i + 1])
        if a == "s" || a == "t" || a == "m" || a == "d" { return 2 }
        guard i + 2 < end else { return 0 }
        let b = lower(t[i + 2])
        return (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") ? 3 : 0
    }

    /// Runs of white space at `i`: how many, and the end of the last `\r` or `\n` among them (or nil).
    private static func spaces(_ t: [Unicode.Scalar], _ i: Int, _ end: Int) -> (count: Int, lastNewline: Int?) {
        var n = 0
        var lastNewline: Int?
        while i + n < end, Class.isSpace(t[i + n]) {
            if t[i + n] == "\r" || t[i + n] == "\n" { lastNewline = i + n + 1 }
            n += 1
        }
        return (n, lastNewline)
    }

    /// The end of `\s+(?!\S)|\s+` for a run of `count` spaces at `i`: all but the last space when a
    /// non-space follows (that space then leads the next word), else all of them.
    private static func spaceRunEnd(_ i: Int, _ count: Int, _ end: Int) -> Int {
        count > 1 && i + count < end ? i + count - 1 : i + count
    }

    static func gpt2(_ t: [Unicode.Scalar], _ piece: Range<Int>, into out: inout [Range<Int>]) {
        var i = piece.lowerBound
        let end = piece.upperBound
        func take(_ to: Int) { out.append(i..<to); i = to }
        while i < end {
            let c = contraction(t, i, end, anyCase: false)
            if c > 0 { take(i + c); continue }
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
            let first = t[i] == " " && i + 1 < end ? i + 1 : i
            let s = t[first]
            let inClass: (Unicode.Scalar) -> Bool
            if Class.isLetter(s) {
                inClass = Class.isLetter
            } else if Class.isNumber(s) {
                inClass = Class.isNumber
            } else if !Class.isSpace(s) {
                inClass = { !Class.isSpace($0) && !Class.isLetter($0) && !Class.isNumber($0) }
            } else {
                let run = spaces(t, i, end).count
                take(spaceRunEnd(i, max(run, 1), end))
                continue
            }
            var j = first + 1
            while j < end, inClass(t[j]) { j += 1 }
            take(j)
        }
    }

    static func llama3(_ t: [Unicode.Scalar], _ piece: Range<Int>, digits: Int, into out: inout [Range<Int>]) {
        var i = piece.lowerBound
        let end = piece.upperBound
        func take(_ to: Int) { out.append(i..<to); i = to }
        while i < end {
            let c = contraction(t, i, end, anyCase: true)
            if c > 0 { take(i + c); continue }
            let s = t[i]
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            if s != "\r" && s != "\n" && !Class.isNumber(s) && (Class.isLetter(s) || (i + 1 < end && Class.isLetter(t[i + 1]))) {
                var j = i + 1
                while j < end, Class.isLetter(t[j]) { j += 1 }
                take(j)
                continue
            }
            // `\p{N}{1,digits}`
            if Class.isNumber(s) {
                var j = i + 1
                while j < end, j - i < digits, Class.isNumber(t[j]) { j += 1 }
                take(j)
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let first = s == " " && i + 1 < end ? i + 1 : i
            let f = t[first]
            if !Class.isSpace(f) && !Class.isLetter(f) && !Class.isNumber(f) {
                var j = first + 1
                while j < end, !Class.isSpace(t[j]) && !Class.isLetter(t[j]) && !Class.isNumber(t[j]) { j += 1 }
                while j < end, t[j] == "\r" || t[j] == "\n" { j += 1 }
                take(j)
                continue
            }
            // `\s*[\r\n]+`, then `\s+(?!\S)`, `\s+`
            let (run, lastNewline) = spaces(t, i, end)
            if let lastNewline { take(lastNewline); continue }
            take(spaceRunEnd(i, max(run, 1), end))
        }
    }

    static func eachDigit(_ t: [Unicode.Scalar], _ piece: Range<Int>, into out: inout [Range<Int>]) {
        var start = piece.lowerBound
        for i in piece where Class.isNumber(t[i]) {
            if start < i { out.append(start..<i) }
            out.append(i..<i + 1)
            start = i + 1
        }
        if start < piece.upperBound { out.append(start..<piece.upperBound) }
    }

    /// A regular expression step, matched within each piece (its ends are the ends of the input:
    /// `$` and look-ahead do not see past them), as std::regex over a sub-range does in llama.cpp.
    struct Pattern: @unchecked Sendable {  // NSRegularExpression is immutable once made
        let regex: NSRegularExpression

        /// `\s` and `\S` become explicit White_Space classes (ICU's `\s` leaves out U+000B and
        /// U+0085), and a final `$` becomes `\z` (ICU's `$` also matches before a final newline).
        init(_ source: String) throws {
            let space = "\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
            var icu = source.replacingOccurrences(of: "\\s", with: "[\(space)]").replacingOccurrences(of: "\\S", with: "[^\(space)]")
            if icu.hasSuffix("$") { icu = String(icu.dropLast()) + "\\z" }
            regex = try NSRegularExpression(pattern: icu)
        }

        func split(_ t: [Unicode.Scalar], _ piece: Range<Int>, into out: inout [Range<Int>]) {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: t[piece])
            let string = String(text)
            // UTF-16 offset → scalar offset within the piece.
            var scalarAt = [Int](repeating: 0, count: string.utf16.count + 1)
            var u = 0
            for (k, s) in string.unicodeScalars.enumerated() {
                scalarAt[u] = k
                u += s.utf16.count
            }
            scalarAt[u] = piece.count
            var start = 0
            for match in regex.matches(in: string, range: NSRange(location: 0, length: u)) where match.range.length > 0 {
                let a = scalarAt[match.range.location], b = scalarAt[match.range.location + match.range.length]
                if start < a { out.append(piece.lowerBound + start ..< piece.lowerBound + a) }
                out.append(piece.lowerBound + a ..< piece.lowerBound + b)
                start = b
            }
            if start < piece.count { out.append(piece.lowerBound + start ..< piece.upperBound) }
        }
    }
}
