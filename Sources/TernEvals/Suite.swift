import Foundation
import TernLM
import Yams

/// An evaluation suite, promptfoo's shape in YAML (or JSON): prompts with `{{variables}}`, the
/// providers to run them on, and test cases whose assertions every output must pass.
///
///     description: Capitals
///     prompts: ["What is the capital of {{country}}? Answer in one word."]
///     providers: [gemma3-270m-it]
///     defaultTest:
///       assert: [{type: icontains, value: "{{capital}}"}]
///     tests:
///       - vars: {country: France, capital: Paris}
///       - cases.csv            # one case per row, columns as variables
///
/// The schema is `docs/eval-suite.schema.json`.
public struct Suite: Sendable {
    public var description: String
    public var prompts: [PromptTemplate]
    public var providers: [ProviderSpec]
    public var cases: [TestCase]
    /// Generation settings for every call (a provider's own settings win).
    public var parameters: GenerationParameters
    /// The model that grades `llm-rubric` and `pairwise` assertions (default: the first provider).
    public var grader: ProviderSpec?
    /// The embedding model of `similar` assertions.
    public var embedder: String
    /// How the grader answers: `generate` (a chat model writes its grade) or `likelihood` (a base
    /// model's grade read from its probabilities).
    public var graderMode: String

    public struct PromptTemplate: Sendable, Hashable, Codable {
        public var id: String
        /// Chat messages with `{{variables}}`; a plain prompt is one user message.
        public var messages: [Message]
    }

    public struct ProviderSpec: Sendable, Hashable, Codable {
        /// How results name it (default: the model).
        public var id: String
        /// A model name, a .gguf path, or the model name at `baseURL`.
        public var model: String
        /// An OpenAI-compatible API (`http://host:port/v1`); nil runs the model locally.
        public var baseURL: String?
        /// LoRA adapters on a local model.
        public var lora: [String]
        /// Settings that override the suite's.
        public var parameters: [String: JSONValue]
        /// Dollars per 1,000 tokens (prompt and completion), for `cost`.
        public var costPer1kTokens: Double
    }

    public struct TestCase: Sendable, Codable {
        public var description: String
        public var vars: [String: String]
        public var assertions: [Assertion]
        /// Passes when the weighted score of its assertions reaches this (default: every assertion passes).
        public var threshold: Double?
    }

    public struct SuiteError: Error, CustomStringConvertible {
        public let description: String
        public init(_ d: String) { description = d }
    }

    /// Reads a suite file; files it names (CSV, JSONL) are found beside it.
    public init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SuiteError("cannot read \(path): check the path")
        }
        let root: JSONValue
        do {
            guard let any = try Yams.load(yaml: text) else { throw SuiteError("\(path) is empty") }
            root = try Self.json(any)
        } catch let e as SuiteError { throw e } catch {
            throw SuiteError("\(path) is not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        try self.init(root, folder: (path as NSString).deletingLastPathComponent, name: path)
    }

    public init(_ root: JSONValue, folder: String = ".", name: String = "suite") throws {
        guard root.object != nil else { throw SuiteError("\(name): expected a mapping with prompts, providers and tests") }
        description = root["description"]?.string ?? ""
        prompts = try (Self.list(root["prompts"]) ?? []).enumerated().map { i, p in try Self.prompt(p, index: i, name: name) }
        guard !prompts.isEmpty else { throw SuiteError("\(name): 'prompts' lists no prompt") }
        providers = try (Self.list(root["providers"]) ?? []).map { try Self.provider($0, name: name) }
        grader = try root["grader"].map { try Self.provider($0, name: name) }
        embedder = root["embedder"]?.string ?? "minilm-l6"
        graderMode = root["grader_mode"]?.string ?? "generate"
        guard ["generate", "likelihood"].contains(graderMode) else { throw SuiteError("\(name): grader_mode is generate or likelihood") }
        parameters = GenerationParameters(temperature: 0, maxTokens: 256)
        if let p = root["parameters"] { parameters = try Self.parameters(p.object ?? [:], over: parameters, name: name) }
        let defaults = root["defaultTest"] ?? root["default_test"]
        let defaultVars = Self.vars(defaults?["vars"])
        let defaultAsserts = try (defaults?["assert"]?.array ?? []).enumerated().map { try Assertion($1, at: "defaultTest.assert[\($0)]") }
        var cases: [TestCase] = []
        for (i, t) in (Self.list(root["tests"]) ?? []).enumerated() {
            if let file = t.string {
                for (j, row) in try Self.rows(file, folder: folder).enumerated() {
                    cases.append(try Self.testCase(row, at: "\(file) row \(j + 1)", defaults: defaultVars, asserts: defaultAsserts))
                }
            } else {
                cases.append(try Self.testCase(t, at: "tests[\(i)]", defaults: defaultVars, asserts: defaultAsserts))
            }
        }
        guard !cases.isEmpty else { throw SuiteError("\(name): 'tests' lists no case") }
        self.cases = cases
    }

    // MARK: Reading the parts

    static func json(_ any: Any) throws -> JSONValue {
        switch any {
        case let s as String: return .string(s)
        case let b as Bool: return .bool(b)
        case let i as Int: return .number(Double(i))
        case let d as Double: return .number(d)
        case let a as [Any]: return .array(try a.map(json))
        case let o as [String: Any]: return .object(try o.mapValues(json))
        case let o as [AnyHashable: Any]:
            return .object(Dictionary(uniqueKeysWithValues: try o.map { ("\($0.key)", try json($0.value)) }))
        case is NSNull: return .null
        default: return .string("\(any)")
        }
    }

    static func list(_ v: JSONValue?) -> [JSONValue]? {
        guard let v else { return nil }
        return v.array ?? [v]
    }

    static func prompt(_ p: JSONValue, index i: Int, name: String) throws -> PromptTemplate {
        if let s = p.string { return PromptTemplate(id: "prompt\(i + 1)", messages: [.user(s)]) }
        let id = p["id"]?.string ?? "prompt\(i + 1)"
        if let messages = p["messages"]?.array {
            return PromptTemplate(id: id, messages: try messages.map { m in
                guard let role = m["role"]?.string.flatMap(Message.Role.init(rawValue:)), let content = m["content"]?.string else {
                    throw SuiteError("\(name): prompt \(id): each message needs a role (system, user, assistant) and content")
                }
                return Message(role: role, content: content)
            })
        }
        guard let user = p["user"]?.string ?? p["text"]?.string else {
            throw SuiteError("\(name): prompt \(id): give text, user (and system) or messages")
        }
        return PromptTemplate(id: id, messages: (p["system"]?.string.map { [Message.system($0)] } ?? []) + [.user(user)])
    }

    public static func provider(_ p: JSONValue, name: String) throws -> ProviderSpec {
        if let s = p.string { return try provider(["model": .string(s)], name: name) }
        guard let model = p["model"]?.string ?? p["id"]?.string else { throw SuiteError("\(name): a provider needs a model") }
        var base = p["base_url"]?.string ?? p["baseURL"]?.string
        var modelName = model
        // "http://host:8080/v1#model-name": a remote model in one string.
        if base == nil, model.hasPrefix("http://") || model.hasPrefix("https://") {
            let parts = model.split(separator: "#", maxSplits: 1)
            base = String(parts[0])
            modelName = parts.count > 1 ? String(parts[1]) : "default"
        }
        return ProviderSpec(id: p["id"]?.string ?? model, model: modelName, baseURL: base,
                            lora: Self.list(p["lora"])?.compactMap(\.string) ?? [],
                            parameters: p["parameters"]?.object ?? [:], costPer1kTokens: p["cost_per_1k_tokens"]?.number ?? 0)
    }

    /// Suite or provider settings over `base`: temperature, top_p, top_k, min_p, max_tokens, seed, stop, response_format.
    public static func parameters(_ o: [String: JSONValue], over base: GenerationParameters, name: String) throws -> GenerationParameters {
        var p = base
        for (k, v) in o {
            switch k {
            case "temperature": p.temperature = v.number ?? p.temperature
            case "top_p": p.topP = v.number ?? p.topP
            case "max_tokens": p.maxTokens = v.number.map { Int($0) } ?? p.maxTokens
            case "seed": p.seed = v.number.map { UInt64($0) }
            case "stop": p.stop = list(v)?.compactMap(\.string) ?? p.stop
            case "top_k": p.topK = v.number.map { Int($0) }
            case "min_p": p.minP = v.number
            case "response_format":
                // OpenAI's shape, or a bare schema: {type: json_schema, json_schema: {name, schema}} / {type: json_object}.
                switch v["type"]?.string {
                case "json_object"?: p.responseFormat = .jsonObject
                case "json_schema"?:
                    guard let schema = v["json_schema"]?["schema"] ?? v["schema"] else {
                        throw SuiteError("\(name): parameters.response_format: json_schema needs a schema")
                    }
                    p.responseFormat = .jsonSchema(name: v["json_schema"]?["name"]?.string ?? "answer", schema: schema)
                case "text"?: p.responseFormat = .text
                default: throw SuiteError("\(name): parameters.response_format: type is text, json_object or json_schema")
                }
            default: throw SuiteError("\(name): parameters.\(k): not one of temperature, top_p, top_k, min_p, max_tokens, seed, stop, response_format")
            }
        }
        return p
    }

    static func vars(_ v: JSONValue?) -> [String: String] {
        (v?.object ?? [:]).mapValues { $0.string ?? $0.canonicalJSON }
    }

    static func testCase(_ t: JSONValue, at place: String, defaults: [String: String], asserts: [Assertion]) throws -> TestCase {
        // A row of plain variables, or {description, vars, assert, threshold}.
        let structured = t["vars"] != nil || t["assert"] != nil
        var vars = defaults
        for (k, v) in Self.vars(structured ? t["vars"] : t) { vars[k] = v }
        let own = try (t["assert"]?.array ?? []).enumerated().map { try Assertion($1, at: "\(place).assert[\($0)]") }
        guard !(asserts + own).isEmpty else { throw SuiteError("\(place): no assertions (give assert, or defaultTest.assert)") }
        return TestCase(description: t["description"]?.string ?? vars.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                        vars: vars, assertions: asserts + own, threshold: t["threshold"]?.number)
    }

    /// A CSV (header row of variable names) or JSONL file's rows.
    static func rows(_ file: String, folder: String) throws -> [JSONValue] {
        let path = file.hasPrefix("/") ? file : (folder as NSString).appendingPathComponent(file)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw SuiteError("cannot read \(path), named in tests") }
        if file.hasSuffix(".jsonl") {
            return try text.split(separator: "\n").enumerated().map { i, line in
                guard let v = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), v.object != nil else {
                    throw SuiteError("\(path):\(i + 1): not a JSON object")
                }
                return v
            }
        }
        let table = CSV.parse(text)
        guard let header = table.first else { throw SuiteError("\(path) is empty") }
        return table.dropFirst().filter { $0 != [""] }.map { row in
            .object(Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, JSONValue.string($0 < row.count ? row[$0] : "")) }))
        }
    }

    /// `{{name}}` replaced by the variable's value (unknown names are left as written).
    public static func render(_ template: String, _ vars: [String: String]) -> String {
        var out = "", rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let key = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += vars[key] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}

/// RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var chars = text.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = chars.next() { if n == "\"" { field.append("\"") } else { quoted = false; pending = n } } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else if c != "\r" {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
