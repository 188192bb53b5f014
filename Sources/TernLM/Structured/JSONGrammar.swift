import Foundation

/// Why a schema could not become a grammar. The message is one line naming the keyword and path.
public enum GrammarError: Error, Equatable, CustomStringConvertible {
    /// The schema uses a feature the matcher cannot enforce (e.g. `pattern`).
    case unsupported(String)
    /// The schema is malformed or allows no value at all.
    case invalidSchema(String)

    public var description: String {
        switch self {
        case .unsupported(let m): return "unsupported JSON schema: \(m)"
        case .invalidSchema(let m): return "invalid JSON schema: \(m)"
        }
    }
}

/// A JSON schema compiled into grammar nodes that `JSONMatcher` walks byte by byte.
///
/// Nodes live in one array and refer to each other by index, so a matcher state is a handful of
/// small integers. Grammars compare by content: two requests with the same schema share cached
/// token masks.
///
/// ```swift
/// let grammar = try JSONGrammar(schemaJSON: #"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#)
/// var matcher = JSONMatcher(grammar: grammar)
/// matcher = matcher.advanced(by: Array(#"{"name":"Ada"}"#.utf8))!
/// assert(matcher.mustEnd)
/// ```
public final class JSONGrammar: Hashable, Sendable, CustomStringConvertible {
    /// One rule of the grammar. Indices refer to `JSONGrammar.nodes`.
    public enum Node: Hashable, Sendable {
        /// An object with exactly these properties, written in this order; optional ones may be left out.
        case object([Property])
        /// An object with any keys (`key` is a string node) whose values all follow `value`.
        case dictionary(key: Int, value: Int)
        case array(items: Int, minItems: Int, maxItems: Int?)
        /// `maxLength` counts Unicode scalars (a `\uXXXX` escape counts as one).
        case string(minLength: Int, maxLength: Int?)
        /// At most 16 mantissa digits and 2 exponent digits, so every number fits a Double.
        case number(integer: Bool, allowsNegative: Bool)
        /// Exact alternatives written as compact JSON, sorted bytewise (`enum`, `const`, booleans, null).
        case literals([[UInt8]])
        /// Exactly one of these nodes, chosen by the first byte (their first bytes never overlap).
        case alternatives([Int])
    }

    /// A declared object property: `key` is its name as quoted JSON bytes.
    public struct Property: Hashable, Sendable {
        public let name: String
        public let key: [UInt8]
        public let value: Int
        public let required: Bool
    }

    /// Sorted byte strings plus a payload per entry (the property index, for object keys).
    struct LiteralSet: Sendable {
        let entries: [[UInt8]]
        let payload: [Int32]
    }

    /// Maximum nesting depth of values generated for `{}` / `true` schemas.
    public static let anyValueDepth = 8

    public let nodes: [Node]
    public let root: Int
    /// For node `n` and byte `b`, `resolve[n * 256 + b]` is the non-alternatives node that a value
    /// of `n` starting with `b` belongs to, or -1.
    let resolve: [Int32]
    /// Per node: for objects, the key candidates when the next property to consider is `i`.
    let keySets: [[LiteralSet]]
    /// Per node: the last required property index of an object (-1 if none).
    let lastRequired: [Int32]
    /// Per node: the literal set of a `literals` node (empty otherwise).
    let literalSets: [LiteralSet]
    /// Whitespace between tokens is at most one space, no newline or tab (`{"a": 1, "b": [2, 3]}`):
    /// a small model cannot wander into runs of blank lines. Strings may still hold any character.
    public let compact: Bool
    private let contentHash: Int

    /// Compiles schema text, keeping the order in which properties are written in it.
    public convenience init(schemaJSON: String) throws {
        try self.init(ordered: OrderedJSONReader.parse(schemaJSON))
    }

    /// Compiles a decoded schema. `JSONValue` does not remember key order, so properties are
    /// generated in the order of the schema's `propertyOrdering` when it has one, else sorted
    /// (or use `init(schemaJSON:)`, which keeps the text's order). `compact`: see `compact`.
    public convenience init(schema: JSONValue, compact: Bool = false) throws {
        try self.init(ordered: OrderedJSON(schema), compact: compact)
    }

    /// Any JSON object at top level, for OpenAI's `response_format: {"type": "json_object"}`.
    public static let anyJSONObject: JSONGrammar = {
        var c = SchemaCompiler(root: .null)
        let root = c.anyObject(depth: anyValueDepth)
        return try! JSONGrammar(nodes: c.nodes, root: root)
    }()

    private convenience init(ordered: OrderedJSON, compact: Bool = false) throws {
        var c = SchemaCompiler(root: ordered)
        let root = try c.compile(ordered, path: "#")
        try self.init(nodes: c.nodes, root: root, compact: compact)
    }

    init(nodes: [Node], root: Int, compact: Bool = false) throws {
        self.nodes = nodes
        self.root = root
        self.compact = compact
        var resolve = [Int32](repeating: -1, count: nodes.count * 256)
        var keySets: [[LiteralSet]] = []
        var lastRequired: [Int32] = []
        var literalSets: [LiteralSet] = []
        for (n, node) in nodes.enumerated() {
            let targets: [Int]
            if case .alternatives(let alts) = node { targets = alts } else { targets = [n] }
            for t in targets {
                for b in JSONGrammar.firstBytes(of: nodes[t]) {
                    guard resolve[n * 256 + Int(b)] == -1 else {
                        throw GrammarError.unsupported(
                            "alternatives overlap on first character '\(Character(Unicode.Scalar(b)))'")
                    }
                    resolve[n * 256 + Int(b)] = Int32(t)
                }
            }
            var sets: [LiteralSet] = []
            var last: Int32 = -1
            if case .object(let props) = node {
                last = Int32(props.lastIndex { $0.required } ?? -1)
                for i in props.indices {
                    // A key may be any property from `i` up to and including the first required one.
                    let end = props[i...].firstIndex { $0.required } ?? props.count - 1
                    sets.append(JSONGrammar.literalSet(props[i...end].enumerated().map {
                        ($0.element.key, Int32(i + $0.offset))
                    }))
                }
            }
            keySets.append(sets)
            lastRequired.append(last)
            if case .literals(let entries) = node {
                literalSets.append(JSONGrammar.literalSet(entries.map { ($0, 0) }))
            } else {
                literalSets.append(LiteralSet(entries: [], payload: []))
            }
        }
        self.resolve = resolve
        self.keySets = keySets
        self.lastRequired = lastRequired
        self.literalSets = literalSets
        var h = Hasher()
        h.combine(nodes)
        h.combine(root)
        h.combine(compact)
        contentHash = h.finalize()
    }

    /// The same grammar with at most one space between tokens (see `compact`).
    public func compacted() -> JSONGrammar {
        compact ? self : try! JSONGrammar(nodes: nodes, root: root, compact: true)
    }

    static func literalSet(_ items: [([UInt8], Int32)]) -> LiteralSet {
        let sorted = items.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        return LiteralSet(entries: sorted.map(\.0), payload: sorted.map(\.1))
    }

    /// The bytes a value of `node` may start with (alternatives: the union of their members').
    static func firstBytes(of node: Node) -> [UInt8] {
        switch node {
        case .object, .dictionary: return [UInt8(ascii: "{")]
        case .array: return [UInt8(ascii: "[")]
        case .string: return [UInt8(ascii: "\"")]
        case .number(_, let negative):
            return Array(UInt8(ascii: "0")...UInt8(ascii: "9")) + (negative ? [UInt8(ascii: "-")] : [])
        case .literals(let entries): return Array(Set(entries.compactMap(\.first))).sorted()
        case .alternatives: return []
        }
    }

    public static func == (a: JSONGrammar, b: JSONGrammar) -> Bool {
        a === b || (a.contentHash == b.contentHash && a.root == b.root && a.compact == b.compact && a.nodes == b.nodes)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(contentHash) }

    /// One line per node, for debugging a compiled schema.
    public var description: String {
        nodes.enumerated().map { "\($0.offset == root ? "*" : " ")\($0.offset): \($0.element)" }
            .joined(separator: "\n")
    }
}
