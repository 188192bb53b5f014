import Foundation

/// Turns an (ordered) JSON schema into `JSONGrammar.Node`s. Equal nodes are interned, so repeated
/// sub-schemas and the generic "any value" levels cost one node each.
struct SchemaCompiler {
    typealias Node = JSONGrammar.Node
    private(set) var nodes: [Node] = []
    private var interned: [Node: Int] = [:]
    private let root: OrderedJSON
    private var refs: [String: Int] = [:]
    private var resolving: Set<String> = []

    /// Keywords that never change which documents are valid.
    private static let harmless: Set<String> = [
        "title", "description", "examples", "default", "$schema", "$id", "$comment", "format",
        "$defs", "definitions", "deprecated", "readOnly", "writeOnly", "contentEncoding",
        "contentMediaType", "propertyOrdering",
    ]
    /// Keywords this compiler interprets. `minimum`/`maximum` family: only the sign is enforced.
    private static let handled: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
        "minLength", "maxLength", "enum", "const", "anyOf", "oneOf", "$ref", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "uniqueItems",
    ]

    init(root: OrderedJSON) { self.root = root }

    private mutating func add(_ node: Node) -> Int {
        if let i = interned[node] { return i }
        nodes.append(node)
        interned[node] = nodes.count - 1
        return nodes.count - 1
    }

    mutating func compile(_ schema: OrderedJSON, path: String) throws -> Int {
        let members: [(key: String, value: OrderedJSON)]
        switch schema {
        case .bool(true): return anyValue(depth: JSONGrammar.anyValueDepth)
        case .bool(false): throw GrammarError.invalidSchema("schema `false` at \(path) allows no value")
        case .object(let m): members = m
        default: throw GrammarError.invalidSchema("schema at \(path) must be an object or a boolean")
        }
        let keys = Set(members.map(\.key))
        for k in members.map(\.key) where !Self.harmless.contains(k) && !Self.handled.contains(k) {
            throw GrammarError.unsupported("keyword '\(k)' at \(path)")
        }
        if case .bool(true) = schema["uniqueItems"] {
            throw GrammarError.unsupported("keyword 'uniqueItems' at \(path)")
        }
        let validating = keys.subtracting(Self.harmless)
        if let ref = schema["$ref"] {
            if let other = validating.subtracting(["$ref"]).sorted().first {
                throw GrammarError.unsupported("keyword '\(other)' next to '$ref' at \(path)")
            }
            return try resolveRef(ref, path: path)
        }
        for combinator in ["anyOf", "oneOf"] {
            guard let list = schema[combinator] else { continue }
            if let other = validating.subtracting([combinator]).sorted().first {
                throw GrammarError.unsupported("keyword '\(other)' next to '\(combinator)' at \(path)")
            }
            guard case .array(let alts) = list, !alts.isEmpty else {
                throw GrammarError.invalidSchema("'\(combinator)' at \(path) must be a non-empty array")
            }
            var ids: [Int] = []
            for (i, alt) in alts.enumerated() { ids.append(try compile(alt, path: "\(path)/\(combinator)/\(i)")) }
            return try alternatives(ids, path: "\(path)/\(combinator)")
        }
        let types = try typeList(schema, keys: keys, path: path)
        if schema["enum"] != nil || schema["const"] != nil {
            return try literals(schema, types: types, path: path)
        }
        guard let types else { return anyValue(depth: JSONGrammar.anyValueDepth) }
        var ids: [Int] = []
        // `integer` is a subset of `number`; keeping both would make the alternatives overlap.
        for t in types where !(t == "integer" && types.contains("number")) {
            ids.append(try compileType(t, schema, path: path))
        }
        return try alternatives(ids, path: path + "/type")
    }

    /// The declared types, or the type implied by type-specific keywords, or nil for "anything".
    private func typeList(_ schema: OrderedJSON, keys: Set<String>, path: String) throws -> [String]? {
        switch schema["type"] {
        case .string(let t)?: return [t]
        case .array(let ts)?:
            let names = ts.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
            guard names.count == ts.count, !names.isEmpty else {
                throw GrammarError.invalidSchema("'type' at \(path) must list type names")
            }
            return names
        case nil: break
        default: throw GrammarError.invalidSchema("'type' at \(path) must be a string or an array")
        }
        if !keys.isDisjoint(with: ["properties", "required", "additionalProperties"]) { return ["object"] }
        if !keys.isDisjoint(with: ["items", "minItems", "maxItems"]) { return ["array"] }
        if !keys.isDisjoint(with: ["minLength", "maxLength"]) { return ["string"] }
        if !keys.isDisjoint(with: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]) {
            return ["number"]
        }
        return nil
    }

    private mutating func compileType(_ type: String, _ schema: OrderedJSON, path: String) throws -> Int {
        switch type {
        case "object": return try object(schema, path: path)
        case "array":
            let items: Int
            switch schema["items"] {
            case nil: items = anyValue(depth: JSONGrammar.anyValueDepth - 1)
            case .array?: throw GrammarError.unsupported("tuple form of 'items' at \(path)")
            case let s?: items = try compile(s, path: path + "/items")
            }
            let minItems = try count(schema, "minItems", path: path) ?? 0
            let maxItems = try count(schema, "maxItems", path: path)
            if let maxItems, maxItems < minItems {
                throw GrammarError.invalidSchema("maxItems < minItems at \(path)")
            }
            return add(.array(items: items, minItems: minItems, maxItems: maxItems))
        case "string":
            let minLength = try count(schema, "minLength", path: path) ?? 0
            let maxLength = try count(schema, "maxLength", path: path)
            if let maxLength, maxLength < minLength {
                throw GrammarError.invalidSchema("maxLength < minLength at \(path)")
            }
            return add(.string(minLength: minLength, maxLength: maxLength))
        case "integer", "number":
            var negative = true
            for k in ["minimum", "exclusiveMinimum"] {
                if case .number(let m)? = schema[k], m >= 0 { negative = false }
            }
            return add(.number(integer: type == "integer", allowsNegative: negative))
        case "boolean": return add(.literals([Array("false".utf8), Array("true".utf8)]))
        case "null": return add(.literals([Array("null".utf8)]))
        default: throw GrammarError.invalidSchema("unknown type '\(type)' at \(path)")
        }
    }

    private mutating func object(_ schema: OrderedJSON, path: String) throws -> Int {
        var declared: [(key: String, value: OrderedJSON)] = []
        switch schema["properties"] {
        case .object(let m)?: declared = m
        case nil: break
        default: throw GrammarError.invalidSchema("'properties' at \(path) must be an object")
        }
        var required: Set<String> = []
        if case .array(let r)? = schema["required"] {
            for case .string(let name) in r { required.insert(name) }
        }
        for name in required.sorted() where !declared.contains(where: { $0.key == name }) {
            throw GrammarError.unsupported("required property '\(name)' at \(path) is not in 'properties'")
        }
        if declared.isEmpty {
            // No declared properties: free-form keys unless extras are forbidden.
            switch schema["additionalProperties"] {
            case .bool(false)?: return add(.object([]))
            case nil, .bool(true)?: return anyObject(depth: JSONGrammar.anyValueDepth)
            case let s?:
                let value = try compile(s, path: path + "/additionalProperties")
                return add(.dictionary(key: add(.string(minLength: 0, maxLength: nil)), value: value))
            }
        }
        var props: [JSONGrammar.Property] = []
        for m in declared {
            let value = try compile(m.value, path: "\(path)/properties/\(m.key)")
            props.append(.init(name: m.key, key: OrderedJSON.quoted(m.key), value: value,
                               required: required.contains(m.key)))
        }
        return add(.object(props))
    }

    private func count(_ schema: OrderedJSON, _ key: String, path: String) throws -> Int? {
        guard let v = schema[key] else { return nil }
        guard case .number(let n) = v, n >= 0, n.rounded() == n, n < 1e9 else {
            throw GrammarError.invalidSchema("'\(key)' at \(path) must be a non-negative integer")
        }
        return Int(n)
    }

    private mutating func literals(_ schema: OrderedJSON, types: [String]?, path: String) throws -> Int {
        var values: [OrderedJSON] = []
        if case .array(let vs)? = schema["enum"] { values = vs }
        if let c = schema["const"] { values = schema["enum"] == nil ? [c] : values.filter { $0.encoded == c.encoded } }
        if let types {
            values = values.filter { v in
                switch v {
                case .null: return types.contains("null")
                case .bool: return types.contains("boolean")
                case .string: return types.contains("string")
                case .array: return types.contains("array")
                case .object: return types.contains("object")
                case .number(let n):
                    return types.contains("number") || (types.contains("integer") && n.rounded() == n)
                }
            }
        }
        let entries = Array(Set(values.map(\.encoded))).sorted { $0.lexicographicallyPrecedes($1) }
        guard !entries.isEmpty else { throw GrammarError.invalidSchema("'enum'/'const' at \(path) allows no value") }
        return add(.literals(entries))
    }

    private mutating func resolveRef(_ ref: OrderedJSON, path: String) throws -> Int {
        guard case .string(let r) = ref else { throw GrammarError.invalidSchema("'$ref' at \(path) must be a string") }
        if let id = refs[r] { return id }
        var target: OrderedJSON?
        for prefix in ["#/$defs/", "#/definitions/"] where r.hasPrefix(prefix) {
            target = root[String(prefix.dropFirst(2).dropLast())]?[String(r.dropFirst(prefix.count))]
        }
        guard let target else { throw GrammarError.unsupported("'$ref' \(r) at \(path) (only #/$defs/X and #/definitions/X)") }
        guard !resolving.contains(r) else { throw GrammarError.unsupported("recursive '$ref' \(r) at \(path)") }
        resolving.insert(r)
        defer { resolving.remove(r) }
        let id = try compile(target, path: r)
        refs[r] = id
        return id
    }

    /// Merges alternatives: nested ones are flattened, literal sets united, numbers widened; what
    /// remains must be distinguishable by its first byte.
    private mutating func alternatives(_ ids: [Int], path: String) throws -> Int {
        var flat: [Int] = []
        for id in ids {
            if case .alternatives(let inner) = nodes[id] { flat += inner } else { flat.append(id) }
        }
        var literalEntries: Set<[UInt8]> = []
        var number: (integer: Bool, negative: Bool)?
        var others: [Int] = []
        for id in flat {
            switch nodes[id] {
            case .literals(let e): literalEntries.formUnion(e)
            case .number(let integer, let negative):
                number = (integer && (number?.integer ?? true), negative || (number?.negative ?? false))
            default: if !others.contains(id) { others.append(id) }
            }
        }
        if !literalEntries.isEmpty {
            others.append(add(.literals(literalEntries.sorted { $0.lexicographicallyPrecedes($1) })))
        }
        if let number { others.append(add(.number(integer: number.integer, allowsNegative: number.negative))) }
        if others.count == 1 { return others[0] }
        var seen: [UInt8: Int] = [:]
        for id in others {
            for b in JSONGrammar.firstBytes(of: nodes[id]) {
                if seen[b] != nil {
                    throw GrammarError.unsupported(
                        "alternatives at \(path) can both start with '\(Character(Unicode.Scalar(b)))'; they must differ in their first character")
                }
                seen[b] = id
            }
        }
        return add(.alternatives(others.sorted()))
    }

    /// Any JSON value with at most `depth` levels of nested containers.
    mutating func anyValue(depth: Int) -> Int {
        var alts = [
            add(.string(minLength: 0, maxLength: nil)),
            add(.number(integer: false, allowsNegative: true)),
            add(.literals([Array("false".utf8), Array("null".utf8), Array("true".utf8)])),
        ]
        if depth > 0 {
            let inner = anyValue(depth: depth - 1)
            alts += [anyObject(depth: depth), add(.array(items: inner, minItems: 0, maxItems: nil))]
        }
        return add(.alternatives(alts.sorted()))
    }

    /// Any JSON object with at most `depth` levels of nested containers (itself included).
    mutating func anyObject(depth: Int) -> Int {
        let key = add(.string(minLength: 0, maxLength: nil))
        return add(.dictionary(key: key, value: anyValue(depth: depth - 1)))
    }
}
