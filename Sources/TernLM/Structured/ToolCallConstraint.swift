import TernEngine

/// Constrains an answer to tool calls in `ToolCallFormat`:
///
///     <tool_call>
///     {"name": "get_weather", "arguments": {"city": "Paris"}}
///     </tool_call>
///
/// where the name is one of the offered functions' and the arguments follow that function's
/// schema; then, with parallel calls, either the end or another block. With `mustCall` false (tool
/// choice "auto") the model writes freely, and once it writes `<tool_call>` (at the start or after
/// some text) the call that follows is held to the grammar.
public struct ToolCallConstraint: TokenConstraint, Sendable {
    /// One offered function: its name and its arguments' grammar, made compact (at most one space
    /// between tokens, as calls are written), so a small model cannot fill a call with blank lines.
    public struct Function: Sendable {
        public var name: String
        public var arguments: JSONGrammar
        public init(name: String, arguments: JSONGrammar) {
            self.name = name
            self.arguments = arguments.compacted()
        }
    }

    enum Phase: Sendable {
        /// "auto": free text, whose last n bytes are the start of `<tool_call>`.
        case text(Int)
        /// A fixed text, n bytes of it written, then the next phase.
        case fixed([UInt8], Int, Next)
        /// The function's name, as far as written.
        case name([UInt8])
        /// The arguments of function i.
        case arguments(Int, JSONMatcher)
        /// After a call, with parallel calls: the end, or n bytes of the next call's opening.
        case between(Int)
        case done
    }

    enum Next: Sendable { case name, arguments(Int), afterCall }

    static let tag = Array("<tool_call>".utf8)
    static let head = Array("\n{\"name\": \"".utf8)
    static let separator = Array("\", \"arguments\": ".utf8)
    static let tail = Array(("}" + ToolCallFormat.close).utf8)
    static let again = Array("\n".utf8) + tag + head

    private var phase: Phase
    private let functions: [Function]
    private let names: [[UInt8]]
    private let parallel: Bool
    private let tables: ConstraintTables

    /// - Parameters:
    ///   - mustCall: the answer is calls ("required" or a named function), not the model's choice.
    ///   - parallel: more calls may follow the first.
    public init(functions: [Function], mustCall: Bool, parallel: Bool, tables: ConstraintTables) {
        precondition(!functions.isEmpty, "a tool call needs a function to call")
        self.functions = functions
        names = functions.map { Array($0.name.utf8) }
        self.parallel = parallel
        self.tables = tables
        phase = mustCall ? .fixed(Self.tag + Self.head, 0, .name) : .text(0)
    }

    private var mayEnd: Bool {
        switch phase {
        case .text, .done, .between(0): return true
        default: return false
        }
    }

    /// The phase after `byte`, or nil when it may not come next.
    private func step(_ phase: Phase, _ byte: UInt8) -> Phase? {
        switch phase {
        case .done: return nil
        case .text(let n):
            // The tag's "<" occurs only at its start, so a mismatch restarts the match at this byte.
            guard Self.tag[n] == byte else { return .text(byte == Self.tag[0] ? 1 : 0) }
            return n + 1 == Self.tag.count ? .fixed(Self.head, 0, .name) : .text(n + 1)
        case .fixed(let bytes, let n, let next):
            guard bytes[n] == byte else { return nil }
            guard n + 1 == bytes.count else { return .fixed(bytes, n + 1, next) }
            switch next {
            case .name: return .name([])
            case .arguments(let i): return .arguments(i, JSONMatcher(grammar: functions[i].arguments))
            case .afterCall: return parallel ? .between(0) : .done
            }
        case .name(let written):
            if byte == UInt8(ascii: "\""), let i = names.firstIndex(of: written) {
                return .fixed(Self.separator, 1, .arguments(i))  // the quote is the separator's first byte
            }
            let longer = written + [byte]
            return names.contains { $0.starts(with: longer) } ? .name(longer) : nil
        case .arguments(let i, let matcher):
            guard let next = matcher.advanced(by: byte) else { return nil }
            return next.mustEnd ? .fixed(Self.tail, 0, .afterCall) : .arguments(i, next)
        case .between(let n):
            guard Self.again[n] == byte else { return nil }
            return n + 1 == Self.again.count ? .name([]) : .between(n + 1)
        }
    }

    public func allows(_ token: Int) -> Bool {
        let vocabulary = tables.vocabulary
        guard token >= 0, token < vocabulary.count else { return false }
        if vocabulary.endOfGeneration.contains(token) { return mayEnd }
        let bytes = vocabulary.bytes(of: token)
        guard !bytes.isEmpty else { return false }
        var p = phase
        for b in bytes {
            guard let next = step(p, b) else { return false }
            p = next
        }
        if case .arguments(_, let matcher) = p { return matcher.mayEndToken }
        return true
    }

    public func mask(_ logits: UnsafeMutableBufferPointer<Float>) {
        if case .arguments(let i, let matcher) = phase {
            // Inside the arguments the grammar's cached masks decide (a token that would also
            // close the call is left out; the model writes the closing text in the next tokens).
            var json = JSONConstraint(grammar: functions[i].arguments, vocabulary: tables.vocabulary, cache: tables.masks)
            json.matcher = matcher
            json.mask(logits)
            for id in tables.vocabulary.endOfGenerationIDs where id < logits.count { logits[id] = -.infinity }
            return
        }
        for i in 0..<logits.count where logits[i] > -.infinity && !allows(i) { logits[i] = -.infinity }
    }

    public mutating func accept(_ token: Int) {
        if tables.vocabulary.endOfGeneration.contains(token) { return }
        for b in tables.vocabulary.bytes(of: token) {
            guard let next = step(phase, b) else { preconditionFailure("accept(\(token)) for a token the constraint does not allow") }
            phase = next
        }
    }

    public var mustEnd: Bool { if case .done = phase { return true } else { return false } }
}
