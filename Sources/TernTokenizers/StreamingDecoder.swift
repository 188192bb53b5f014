/// Turns generated tokens into text as they arrive, one token at a time.
///
/// A token may carry part of a UTF-8 character (a character missing from the vocabulary is spelt
/// with byte tokens, one per UTF-8 byte), so bytes are held back until their character is complete.
///
///     var decoder = StreamingDecoder(tokenizer: gemma, renderSpecial: false)
///     // 𝔘 (F0 9D 94 98) is spelt <0xF0> <0x9D> <0x94> <0x98>:
///     [478, 395, 386, 390].map { decoder.push($0) }   // ["", "", "", "𝔘"]
///     decoder.flush()                                  // ""
public struct StreamingDecoder: Sendable {
    public let tokenizer: any Tokenizer
    public let renderSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: any Tokenizer, renderSpecial: Bool) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// The text that `token` completes: all pending bytes up to an unfinished UTF-8 sequence at the end.
    public mutating func push(_ token: Int) -> String {
        pending.append(contentsOf: tokenizer.bytes(of: token, renderSpecial: renderSpecial))
        let end = Self.completePrefix(pending)
        guard end > 0 else { return "" }
        let text = String(decoding: pending[..<end], as: UTF8.self)
        pending.removeFirst(end)
        return text
    }

    /// Whatever is still held back, with an unfinished character as U+FFFD; the decoder is then empty.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of `bytes` without a trailing UTF-8 sequence that is started but not finished.
    /// Invalid bytes are not held back: they can never complete, and decode as U+FFFD.
    package static func completePrefix(_ bytes: [UInt8]) -> Int {
        var start = bytes.count - 1
        while start >= 0 && bytes.count - start <= 4 {
            let byte = bytes[start]
            if byte & 0xC0 != 0x80 {  // not a continuation byte: the last sequence starts here
                let needed = byte >= 0xF8 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                return bytes.count - start < needed ? start : bytes.count
            }
            start -= 1
        }
        return bytes.count
    }
}
