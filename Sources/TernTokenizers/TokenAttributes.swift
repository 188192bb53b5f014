/// What kind of vocabulary entry a token is, as llama.cpp's `llama_token_attr` flags.
///
/// A GGUF file stores one kind per token in `tokenizer.ggml.token_type` (`enum llama_token_type`:
/// 0 undefined, 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte); llama.cpp turns
/// each into one flag and then adds `control` to tokens it recognises as end-of-generation.
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt8

    static let normal = TokenAttributes(rawValue: 1 << 0)
    static let unknown = TokenAttributes(rawValue: 1 << 1)
    static let control = TokenAttributes(rawValue: 1 << 2)
    static let userDefined = TokenAttributes(rawValue: 1 << 3)
    static let unused = TokenAttributes(rawValue: 1 << 4)
    static let byte = TokenAttributes(rawValue: 1 << 5)

    /// Tokens whose text `encode` may match as a whole before the SentencePiece merges run.
    static let special: TokenAttributes = [.control, .userDefined, .unknown]
    /// Special tokens that are matched, and rendered, only on request (`parseSpecial`, `renderSpecial`).
    static let onRequest: TokenAttributes = [.control, .unknown]

    /// Attributes for a GGUF `token_type` value; unknown values count as undefined (no flag).
    init(tokenType: Int) {
        switch tokenType {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = []
        }
    }

    init(rawValue: UInt8) { self.rawValue = rawValue }
}
