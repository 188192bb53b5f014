import Foundation
import TernLM

/// The Berkeley Function Calling Leaderboard's questions and answers (the layout of
/// `reference/bfcl/`: `CATEGORY.jsonl` and `CATEGORY.answers.jsonl`), and BFCL's AST match.
///
///     let set = try BFCL.load(category: "simple_python", from: dir)
///     let ok = BFCL.matches(calls, set[0].answer, functions: set[0].tools)
public enum BFCL {
    public struct BFCLError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    public static let categories = ["simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance"]

    /// One question: the conversation, the offered functions (as JSON Schema), and the calls that
    /// count as right (nil for irrelevance: the right answer is no call).
    public struct Entry: Sendable {
        public var id: String
        public var messages: [Message]
        public var tools: [ToolDefinition]
        /// Per expected call: the function's name and, per parameter, the allowed values (`""`
        /// among them: the parameter may be left out).
        public var answer: [(name: String, parameters: [String: [JSONValue]])]?
    }

    public static func load(category: String, from directory: String) throws -> [Entry] {
        let questions = try lines(directory + "/\(category).jsonl")
        let answers = category == "irrelevance" ? [:] : Dictionary(
            try lines(directory + "/\(category).answers.jsonl").map { ($0["id"]?.string ?? "", $0["ground_truth"] ?? .null) },
            uniquingKeysWith: { a, _ in a })
        return try questions.map { q in
            guard let id = q["id"]?.string, let turns = q["question"]?.array, let first = turns.first?.array,
                  let functions = q["function"]?.array else { throw BFCLError("BFCL \(category): a malformed question") }
            let messages = first.map { m in
                Message(role: Message.Role(rawValue: m["role"]?.string ?? "user") ?? .user, content: m["content"]?.string ?? "")
            }
            let tools = functions.map { f in
                ToolDefinition(name: f["name"]?.string ?? "", description: f["description"]?.string, parameters: jsonSchema(f["parameters"] ?? [:]))
            }
            var answer: [(String, [String: [JSONValue]])]?
            if category != "irrelevance" {
                guard let truth = answers[id]?.array else { throw BFCLError("BFCL \(category): no answer for \(id)") }
                answer = truth.compactMap { call in
                    guard let (name, params) = call.object?.first else { return nil }
                    return (name, (params.object ?? [:]).mapValues { $0.array ?? [$0] })
                }
            }
            return Entry(id: id, messages: messages, tools: tools, answer: answer)
        }
    }

    private static func lines(_ path: String) throws -> [JSONValue] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw BFCLError("cannot read \(path): pass --data with the folder of BFCL's .jsonl files")
        }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
    }

    /// BFCL's parameter types as JSON Schema: `dict` is an object, `float` a number, `tuple` an
    /// array, `any` anything; nested schemas likewise.
    public static func jsonSchema(_ v: JSONValue) -> JSONValue {
        guard var o = v.object else { return v }
        switch o["type"]?.string {
        case "dict"?: o["type"] = "object"
        case "float"?: o["type"] = "number"
        case "tuple"?: o["type"] = "array"
        case "any"?: o["type"] = nil
        default: break
        }
        if let props = o["properties"]?.object { o["properties"] = .object(props.mapValues(jsonSchema)) }
        if let items = o["items"] { o["items"] = jsonSchema(items) }
        o["optional"] = nil  // a flag some BFCL parameters carry beside the schema; `required` says the same
        return .object(o)
    }

    // MARK: AST match

    /// Whether the calls answer the entry: the same number of calls as expected, each matched to
    /// a distinct expected call (in any order) by name, parameters and values.
    public static func matches(_ calls: [(name: String, arguments: String)], _ answer: [(name: String, parameters: [String: [JSONValue]])]?,
                               functions: [ToolDefinition]) -> Bool {
        guard let answer else { return calls.isEmpty }  // irrelevance: no call is right
        guard calls.count == answer.count else { return false }
        let parsed = calls.map { c in (c.name, (try? JSONDecoder().decode(JSONValue.self, from: Data(c.arguments.utf8)))?.object) }
        var used = Set<Int>()
        for expected in answer {
            let required = Set(functions.first { $0.name == expected.name }?.parameters["required"]?.array?.compactMap(\.string) ?? [])
            guard let k = parsed.indices.first(where: { k in
                !used.contains(k) && parsed[k].0 == expected.name
                    && parsed[k].1.map { callMatches($0, expected.parameters, required: required) } == true
            }) else { return false }
            used.insert(k)
        }
        return true
    }

    static func callMatches(_ arguments: [String: JSONValue], _ allowed: [String: [JSONValue]], required: Set<String>) -> Bool {
        for key in arguments.keys where allowed[key] == nil { return false }  // no unknown parameter
        for (key, values) in allowed {
            guard let given = arguments[key] else {
                if required.contains(key) || !values.contains(.string("")) { return false }
                continue
            }
            guard values.contains(where: { valueMatches(given, $0) }) else { return false }
        }
        return true
    }

    /// Numbers by value (an integer counts for a float); strings after BFCL's normalisation
    /// (case, spaces and `,./-_*^` ignored); lists element by element; objects key by key.
    static func valueMatches(_ given: JSONValue, _ expected: JSONValue) -> Bool {
        switch (given, expected) {
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return normalised(a) == normalised(b)
        case (.bool(let a), .bool(let b)): return a == b
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { valueMatches($0, $1) }
        case (.object(let a), .object(let b)):
            // Nested dictionaries: each expected key's allowed values, as for a call.
            return callMatches(a, b.mapValues { $0.array ?? [$0] }, required: [])
        default: return false
        }
    }

    static func normalised(_ s: String) -> String {
        String(s.lowercased().filter { !" ,./-_*^".contains($0) })
    }
}
