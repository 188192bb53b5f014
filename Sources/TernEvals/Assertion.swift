import Foundation
import TernLM
import TernPrograms

/// One check of an output, promptfoo's assertion types:
///
/// | type | passes when the output … |
/// |---|---|
/// | `equals` | is the value (surrounding whitespace ignored) |
/// | `contains`, `icontains` (`-any`, `-all`) | contains the value (any / all of a list; `i`: ignoring case) |
/// | `starts-with`, `regex` | starts with the value, matches the regular expression |
/// | `is-json`, `json-schema` | parses as JSON (and validates against the value, a schema) |
/// | `expression` | makes the expression true (`Expression`: `length < 200 && json.city == vars.city`) |
/// | `similar` | has embedding cosine ≥ threshold (default 0.8) to the value (MiniLM) |
/// | `llm-rubric` | is graded ≥ threshold (default 7 of 10) by the grader against the rubric (value) |
/// | `pairwise` | is judged at least as good as the reference (value), both orders asked |
/// | `latency`, `tokens`, `cost` | took ≤ threshold ms, completion tokens, dollars |
/// | `perplexity` | has perplexity ≤ threshold under the provider |
///
/// `not-` before a type inverts it. `weight` (default 1) counts it in the case's score; the value
/// and rubric may use the case's `{{variables}}`.
public struct Assertion: Sendable, Codable, Hashable {
    public var type: String
    public var negated: Bool
    public var value: JSONValue?
    public var threshold: Double?
    public var weight: Double

    public static let types = ["equals", "contains", "icontains", "contains-any", "contains-all", "icontains-any", "icontains-all",
                               "starts-with", "regex", "is-json", "json-schema", "expression", "similar", "llm-rubric", "pairwise",
                               "latency", "tokens", "cost", "perplexity"]
    /// Types graded by a model (the ones a human review checks).
    public static let modelGraded: Set<String> = ["similar", "llm-rubric", "pairwise"]

    public init(type: String, value: JSONValue? = nil, threshold: Double? = nil, weight: Double = 1) throws {
        negated = type.hasPrefix("not-")
        self.type = negated ? String(type.dropFirst(4)) : type
        self.value = value
        self.threshold = threshold
        self.weight = weight
        guard Self.types.contains(self.type) else {
            throw Suite.SuiteError("assertion type '\(type)': not one of \(Self.types.joined(separator: ", ")) (or not- before one)")
        }
        let needsValue = ["equals", "contains", "icontains", "contains-any", "contains-all", "icontains-any", "icontains-all",
                          "starts-with", "regex", "json-schema", "expression", "similar", "llm-rubric", "pairwise"]
        if needsValue.contains(self.type) && value == nil { throw Suite.SuiteError("assertion \(type) needs a value") }
        if ["latency", "tokens", "cost", "perplexity"].contains(self.type) && threshold == nil {
            throw Suite.SuiteError("assertion \(type) needs a threshold")
        }
        if self.type == "regex", let p = value?.string, (try? NSRegularExpression(pattern: p)) == nil {
            throw Suite.SuiteError("assertion regex: '\(p)' is not a regular expression")
        }
        if self.type == "expression", let e = value?.string { _ = try Expression(e) }
    }

    init(_ v: JSONValue, at place: String) throws {
        guard let type = v["type"]?.string else { throw Suite.SuiteError("\(place): an assertion needs a type") }
        do {
            try self.init(type: type, value: v["value"] ?? v["rubric"], threshold: v["threshold"]?.number, weight: v["weight"]?.number ?? 1)
        } catch let e as Suite.SuiteError { throw Suite.SuiteError("\(place): \(e.description)") }
    }

    public var name: String { (negated ? "not-" : "") + type }

    /// What a check found: passed, a score in 0...1, and why.
    public struct Outcome: Sendable, Codable, Hashable {
        public var assertion: String
        public var passed: Bool
        public var score: Double
        public var reason: String
        public var weight: Double
        public init(assertion: String, passed: Bool, score: Double, reason: String, weight: Double) {
            self.assertion = assertion
            self.passed = passed
            self.score = score
            self.reason = reason
            self.weight = weight
        }
    }

    /// Checks an output. `graders` runs the model-graded types.
    public func check(_ output: Output, vars: [String: String], graders: Graders) async throws -> Outcome {
        let value = self.value.map { Self.render($0, vars) }
        var (passed, score, reason) = try await evaluate(output, value: value, vars: vars, graders: graders)
        if negated { passed.toggle(); score = 1 - score; reason = "not: " + reason }
        return Outcome(assertion: name, passed: passed, score: score, reason: reason, weight: weight)
    }

    private func evaluate(_ o: Output, value: JSONValue?, vars: [String: String], graders: Graders) async throws -> (Bool, Double, String) {
        let text = o.text
        func strings() -> [String] { value?.array?.map { $0.string ?? $0.canonicalJSON } ?? [value?.string ?? value?.canonicalJSON ?? ""] }
        func found(_ s: String, _ ignoringCase: Bool) -> Bool {
            ignoringCase ? text.range(of: s, options: .caseInsensitive) != nil : text.contains(s)
        }
        func verdict(_ ok: Bool, _ why: String) -> (Bool, Double, String) { (ok, ok ? 1 : 0, why) }
        switch type {
        case "equals":
            let want = strings()[0]
            return verdict(text.trimmingCharacters(in: .whitespacesAndNewlines) == want.trimmingCharacters(in: .whitespacesAndNewlines),
                           "expected \(Self.quote(want))")
        case "contains", "icontains", "contains-any", "icontains-any", "contains-all", "icontains-all":
            let ic = type.hasPrefix("i"), all = type.hasSuffix("-all"), items = strings()
            let hits = items.filter { found($0, ic) }
            let ok = all ? hits.count == items.count : !hits.isEmpty
            return verdict(ok, ok ? "found \(hits.map(Self.quote).joined(separator: ", "))"
                                  : "missing \(items.filter { !hits.contains($0) }.map(Self.quote).joined(separator: ", "))")
        case "starts-with":
            let want = strings()[0]
            return verdict(text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(want), "expected to start with \(Self.quote(want))")
        case "regex":
            let re = try NSRegularExpression(pattern: strings()[0])
            let ok = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            return verdict(ok, ok ? "matches /\(strings()[0])/" : "no match for /\(strings()[0])/")
        case "is-json", "json-schema":
            guard let json = Self.json(in: text) else { return verdict(false, "not JSON") }
            guard type == "json-schema", let schema = value else { return verdict(true, "parses as JSON") }
            let problems = SchemaValidator(schema: schema.string.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) } ?? schema)
                .validate(json)
            return verdict(problems.isEmpty, problems.isEmpty ? "valid against the schema" : problems.prefix(3).map { "\($0)" }.joined(separator: "; "))
        case "expression":
            let e = try Expression(strings()[0])
            let ok = try e.evaluate(Expression.Context(output: text, vars: vars, latencyMs: o.latencyMs, tokens: o.completionTokens))
            return verdict(ok, "\(strings()[0]) is \(ok)")
        case "similar":
            let want = strings()[0], cut = threshold ?? 0.8
            let cos = try await graders.similarity(text, want)
            return (cos >= cut, max(0, min(1, cos)), String(format: "cosine %.3f (at least %.2f)", cos, cut))
        case "llm-rubric":
            let cut = threshold ?? 7
            let g = try await graders.grade(question: o.question, answer: text, rubric: strings()[0])
            return (g.score >= cut, max(0, min(1, g.score / 10)), String(format: "graded %.1f of 10 (at least %.0f): ", g.score, cut) + g.reason)
        case "pairwise":
            let j = try await graders.compare(question: o.question, output: text, reference: strings()[0])
            return verdict(j.atLeastAsGood, j.reason)
        case "latency":
            return verdict(o.latencyMs <= threshold!, String(format: "%.0f ms (at most %.0f)", o.latencyMs, threshold!))
        case "tokens":
            return verdict(Double(o.completionTokens) <= threshold!, "\(o.completionTokens) tokens (at most \(Int(threshold!)))")
        case "cost":
            return verdict(o.cost <= threshold!, String(format: "$%.6f (at most $%.6f)", o.cost, threshold!))
        case "perplexity":
            let ppl = try await graders.perplexity(o)
            return verdict(ppl <= threshold!, String(format: "perplexity %.2f (at most %.2f)", ppl, threshold!))
        default:
            throw Suite.SuiteError("assertion type \(type) is not known")
        }
    }

    /// The first JSON value in the text: the whole text, or a fenced or braced part of it.
    static func json(in text: String) -> JSONValue? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let v = try? JSONDecoder().decode(JSONValue.self, from: Data(t.utf8)) { return v }
        if let open = t.firstIndex(where: { $0 == "{" || $0 == "[" }), let close = t.lastIndex(where: { $0 == "}" || $0 == "]" }), open < close {
            return try? JSONDecoder().decode(JSONValue.self, from: Data(t[open...close].utf8))
        }
        return nil
    }

    static func render(_ v: JSONValue, _ vars: [String: String]) -> JSONValue {
        switch v {
        case .string(let s): return .string(Suite.render(s, vars))
        case .array(let a): return .array(a.map { render($0, vars) })
        default: return v
        }
    }

    static func quote(_ s: String) -> String { "\"" + (s.count > 60 ? String(s.prefix(57)) + "…" : s) + "\"" }
}

/// What one call produced, as assertions see it.
public struct Output: Sendable, Codable, Hashable {
    public var text: String
    /// The prompt's last user message (what `llm-rubric` and `pairwise` show the grader as the question).
    public var question: String
    /// The prompt as messages, for `perplexity`.
    public var messages: [Message]
    public var latencyMs: Double
    public var promptTokens: Int
    public var completionTokens: Int
    public var cost: Double

    public init(text: String, question: String, messages: [Message], latencyMs: Double, promptTokens: Int, completionTokens: Int, cost: Double) {
        self.text = text
        self.question = question
        self.messages = messages
        self.latencyMs = latencyMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cost = cost
    }
}
