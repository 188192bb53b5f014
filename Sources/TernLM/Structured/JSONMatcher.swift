import Foundation

/// A byte-level pushdown matcher for a `JSONGrammar`: every prefix it accepts can still be
/// completed to a document that is valid JSON and matches the schema.
///
/// Whitespace is allowed only after `{`, `[`, `,`, `:` and before `}`/`]` (never before `,` or
/// `:`, nor around the top-level value), at most 16 bytes in a row, so a model cannot stall on
/// newlines.
///
/// ```swift
/// let m = JSONMatcher(grammar: try JSONGrammar(schemaJSON: #"{"type":"boolean"}"#))
/// m.advanced(by: UInt8(ascii: "t")) != nil   // true
/// m.advanced(by: UInt8(ascii: "x")) == nil   // true
/// ```
public struct JSONMatcher: Sendable {
    public let grammar: JSONGrammar
    public internal(set) var state: State

    /// The matcher's position. Only the innermost frame is stored inline; parents sit in `stack`,
    /// so bytes inside a string or number mutate plain integers and never allocate.
    public struct State: Hashable, Sendable {
        var top: Frame
        var whitespace: UInt8
        var stack: [Frame]
    }

    struct Frame: Hashable, Sendable {
        var node: Int32
        var phase: Phase
        var a: Int32 = 0
        var b: Int32 = 0
        var c: Int32 = 0
        var d: Int32 = 0
    }

    /// Field use: object `a` = next property index; key `a` = first candidate property, `b..<c` =
    /// literal range, `d` = position; array `a` = item count; string `a` = scalar count, `b` =
    /// pending UTF-8 continuation state, `c` = hex value, `d` = hex digits; number `a` = mantissa
    /// digits, `b` = exponent digits; literal `a..<b` = range, `c` = position.
    enum Phase: UInt8, Hashable, Sendable {
        case done, value
        case objectOpen, objectComma, objectKey, objectColon, objectNext
        case dictOpen, dictComma, dictColon, dictNext
        case arrayOpen, arrayNext
        case string, escape, hex, pairBackslash, pairU, lowHex
        case minus, zero, integer, dot, fraction, exponentMark, exponentSign, exponent
        case literal
    }

    static let maxWhitespace: UInt8 = 16
    static let maxMantissaDigits: Int32 = 16
    static let maxExponentDigits: Int32 = 2

    /// A matcher at the start of the document.
    public init(grammar: JSONGrammar) {
        self.grammar = grammar
        state = State(top: Frame(node: Int32(grammar.root), phase: .value), whitespace: 0, stack: [])
    }

    /// The matcher after `byte`, or nil if `byte` may not come next.
    public func advanced(by byte: UInt8) -> JSONMatcher? {
        var m = self
        return m.step(byte) ? m : nil
    }

    /// The matcher after all of `bytes`, or nil if any of them is refused.
    public func advanced(by bytes: some Sequence<UInt8>) -> JSONMatcher? {
        var m = self
        for b in bytes where !m.step(b) { return nil }
        return m
    }

    /// A full top-level value has been produced: the output may end here.
    public var isComplete: Bool {
        if state.top.phase == .done { return true }
        return state.stack.isEmpty && endsImplicitly(state.top)
    }

    /// The output is complete and no further byte could be accepted.
    public var mustEnd: Bool {
        if state.top.phase == .done { return true }
        guard isComplete else { return false }
        // Only a top-level number or literal gets here; probing every byte is cheap and exact.
        return (0...255).allSatisfy { advanced(by: UInt8($0)) == nil }
    }

    /// Whether a token may end here. In a compact grammar a token may end on its space only where
    /// a number may come next: tokenizers such as Gemma's write the space before a string, array,
    /// object or literal inside that token (` "`, ` [`, ` true`) and alone only before a digit.
    /// A bare space before a string is a tokenization the model never saw; after it the model
    /// wants a digit, and the quote tokens it is held to (`">`, `":`) are picked almost at random.
    public var mayEndToken: Bool {
        guard grammar.compact, state.whitespace != 0 else { return true }
        return advanced(by: UInt8(ascii: "1")) != nil || advanced(by: UInt8(ascii: "-")) != nil
    }

    /// Whether the frame holds a finished number or literal that the next byte may terminate.
    private func endsImplicitly(_ f: Frame) -> Bool {
        switch f.phase {
        case .zero, .integer, .fraction, .exponent: return true
        case .literal: return grammar.literalSets[Int(f.node)].entries[Int(f.a)].count == Int(f.c)
        default: return false
        }
    }

    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D
    }

    mutating func pop() {
        state.top = state.stack.popLast() ?? Frame(node: -1, phase: .done)
    }

    /// Enters a child value, leaving `parent` (already in its after-child phase) on the stack.
    private mutating func push(_ parent: Frame, child: Int) {
        state.stack.append(parent)
        state.top = Frame(node: Int32(child), phase: .value)
    }

    /// Whitespace between tokens: up to `maxWhitespace` bytes, or in a compact grammar one space.
    private mutating func bumpWhitespace(_ byte: UInt8) -> Bool {
        if grammar.compact { guard byte == 0x20, state.whitespace == 0 else { return false } }
        guard state.whitespace < Self.maxWhitespace else { return false }
        state.whitespace += 1
        return true
    }

    /// Consumes one byte in place; on `false` the state is garbage and must be discarded.
    @inline(__always)
    mutating func step(_ byte: UInt8) -> Bool {
        let ws = Self.isWhitespace(byte)
        let hadWhitespace = state.whitespace != 0
        if !ws { state.whitespace = 0 }
        while true {
            let f = state.top
            switch f.phase {
            case .done:
                return false
            case .value:
                if ws { return !state.stack.isEmpty && bumpWhitespace(byte) }
                let target = grammar.resolve[Int(f.node) * 256 + Int(byte)]
                guard target >= 0 else { return false }
                return start(Int(target), byte)
            case .objectOpen, .objectComma, .objectKey, .objectColon, .objectNext:
                switch object(f, byte, ws: ws, hadWhitespace: hadWhitespace) {
                case .some(let ok): return ok
                case .none: continue
                }
            case .dictOpen, .dictComma, .dictColon, .dictNext:
                return dictionary(f, byte, ws: ws, hadWhitespace: hadWhitespace)
            case .arrayOpen, .arrayNext:
                switch array(f, byte, ws: ws, hadWhitespace: hadWhitespace) {
                case .some(let ok): return ok
                case .none: continue
                }
            case .string, .escape, .hex, .pairBackslash, .pairU, .lowHex:
                return string(f, byte)
            case .minus, .zero, .integer, .dot, .fraction, .exponentMark, .exponentSign, .exponent:
                if let ok = number(f, byte) { return ok }
                pop()  // the number ended before this byte; the parent gets the byte
            case .literal:
                let set = grammar.literalSets[Int(f.node)]
                if let (lo, hi) = Self.narrow(set, Int(f.a), Int(f.b), Int(f.c), byte) {
                    state.top.a = Int32(lo)
                    state.top.b = Int32(hi)
                    state.top.c += 1
                    // A finished literal that nothing extends ends now, not at the next byte.
                    if hi - lo == 1, set.entries[lo].count == Int(f.c) + 1 { pop() }
                    return true
                }
                guard endsImplicitly(f) else { return false }
                pop()
            }
        }
    }

    /// The sub-range of `lo..<hi` (entries sharing a prefix of length `pos`) whose next byte is `byte`.
    @inline(__always)
    static func narrow(_ set: JSONGrammar.LiteralSet, _ lo: Int, _ hi: Int, _ pos: Int,
                       _ byte: UInt8) -> (Int, Int)? {
        var i = lo
        while i < hi, set.entries[i].count <= pos || set.entries[i][pos] < byte { i += 1 }
        var j = i
        while j < hi, set.entries[j][pos] == byte { j += 1 }
        return j > i ? (i, j) : nil
    }

    /// Begins a value of the (non-alternatives) node `n` whose first byte `byte` was already checked.
    private mutating func start(_ n: Int, _ byte: UInt8) -> Bool {
        let node = Int32(n)
        switch grammar.nodes[n] {
        case .object: state.top = Frame(node: node, phase: .objectOpen)
        case .dictionary: state.top = Frame(node: node, phase: .dictOpen)
        case .array: state.top = Frame(node: node, phase: .arrayOpen)
        case .string: state.top = Frame(node: node, phase: .string)
        case .number:
            switch byte {
            case UInt8(ascii: "-"): state.top = Frame(node: node, phase: .minus)
            case UInt8(ascii: "0"): state.top = Frame(node: node, phase: .zero, a: 1)
            default: state.top = Frame(node: node, phase: .integer, a: 1)
            }
        case .literals:
            state.top = Frame(node: node, phase: .literal, a: 0,
                              b: Int32(grammar.literalSets[n].entries.count), c: 0)
            return step(byte)
        case .alternatives:
            return false
        }
        return true
    }

    /// Object phases; nil means "re-feed the byte" (never happens here, kept for symmetry).
    private mutating func object(_ f: Frame, _ byte: UInt8, ws: Bool, hadWhitespace: Bool) -> Bool? {
        let n = Int(f.node)
        guard case .object(let props) = grammar.nodes[n] else { return false }
        let mayClose = f.a > grammar.lastRequired[n]
        switch f.phase {
        case .objectOpen, .objectComma:
            if ws { return bumpWhitespace(byte) }
            if byte == UInt8(ascii: "}"), f.phase == .objectOpen, mayClose { pop(); return true }
            guard byte == UInt8(ascii: "\""), Int(f.a) < props.count else { return false }
            let set = grammar.keySets[n][Int(f.a)]
            guard let (lo, hi) = Self.narrow(set, 0, set.entries.count, 0, byte) else { return false }
            state.top = Frame(node: f.node, phase: .objectKey, a: f.a, b: Int32(lo), c: Int32(hi), d: 1)
            return true
        case .objectKey:
            let set = grammar.keySets[n][Int(f.a)]
            guard let (lo, hi) = Self.narrow(set, Int(f.b), Int(f.c), Int(f.d), byte) else { return false }
            if set.entries[lo].count == Int(f.d) + 1 {
                // Quoted keys are prefix-free, so a finished key is the only candidate left.
                state.top = Frame(node: f.node, phase: .objectColon, a: set.payload[lo])
            } else {
                state.top.b = Int32(lo)
                state.top.c = Int32(hi)
                state.top.d += 1
            }
            return true
        case .objectColon:
            guard byte == UInt8(ascii: ":") else { return false }
            push(Frame(node: f.node, phase: .objectNext, a: f.a + 1), child: props[Int(f.a)].value)
            return true
        default:  // .objectNext
            // Whitespace only where `}` may follow: it is never allowed before `,`.
            if ws { return mayClose && bumpWhitespace(byte) }
            if byte == UInt8(ascii: ","), !hadWhitespace, Int(f.a) < props.count {
                state.top.phase = .objectComma
                return true
            }
            if byte == UInt8(ascii: "}"), mayClose { pop(); return true }
            return false
        }
    }

    private mutating func dictionary(_ f: Frame, _ byte: UInt8, ws: Bool, hadWhitespace: Bool) -> Bool {
        guard case .dictionary(let key, let value) = grammar.nodes[Int(f.node)] else { return false }
        switch f.phase {
        case .dictOpen, .dictComma:
            if ws { return bumpWhitespace(byte) }
            if byte == UInt8(ascii: "}"), f.phase == .dictOpen { pop(); return true }
            guard byte == UInt8(ascii: "\"") else { return false }
            state.stack.append(Frame(node: f.node, phase: .dictColon))
            state.top = Frame(node: Int32(key), phase: .string)
            return true
        case .dictColon:
            guard byte == UInt8(ascii: ":") else { return false }
            push(Frame(node: f.node, phase: .dictNext), child: value)
            return true
        default:  // .dictNext
            if ws { return bumpWhitespace(byte) }
            if byte == UInt8(ascii: ","), !hadWhitespace { state.top.phase = .dictComma; return true }
            if byte == UInt8(ascii: "}") { pop(); return true }
            return false
        }
    }

    /// Array phases; nil means the byte starts an item and must be re-fed to the new item frame.
    private mutating func array(_ f: Frame, _ byte: UInt8, ws: Bool, hadWhitespace: Bool) -> Bool? {
        guard case .array(let items, let minItems, let maxItems) = grammar.nodes[Int(f.node)] else { return false }
        let count = Int(f.a)
        let mayClose = count >= minItems
        let mayAdd = maxItems.map { count < $0 } ?? true
        if f.phase == .arrayOpen {
            if ws { return bumpWhitespace(byte) }
            if byte == UInt8(ascii: "]"), mayClose { pop(); return true }
            guard mayAdd else { return false }
            push(Frame(node: f.node, phase: .arrayNext, a: 1), child: items)
            return nil
        }
        if ws { return mayClose && bumpWhitespace(byte) }
        if byte == UInt8(ascii: ","), !hadWhitespace, mayAdd {
            push(Frame(node: f.node, phase: .arrayNext, a: f.a + 1), child: items)
            return true
        }
        if byte == UInt8(ascii: "]"), mayClose { pop(); return true }
        return false
    }
}
