import Foundation
import TernLM

/// Tool-calling training data (Gorilla's recipe, on a catalog of functions that are not in the
/// benchmark): a request written from one of a function's request templates with sampled values,
/// the functions offered beside it (the nearest ones by embedding when `embeddings` are given, so
/// the model learns to tell similar functions apart, or random ones), and the call that answers it.
/// Some examples ask for several calls (the same function two or three times, or two functions);
/// some offer only functions that do not fit (often a function beside a request on its topic that
/// it cannot do: the catalog's near misses), and the answer is text, not a call.
///
/// Every example is verified before it is kept: the arguments parse under the same grammar the
/// engine holds calls to (`JSONGrammar` of the function's schema), each argument's value is written
/// in the request (or said as the catalog says it: "5%" for 0.05), and the calls read back from
/// the assistant turn as `ToolCallFormat` writes it are the calls made. Each example is a line of
/// OpenAI's fine-tuning format with `tools`.
///
///     var synth = ToolCallSynth(catalog: try ToolCatalog(path: "docs/tools/catalog.json"), seed: 1)
///     let lines = synth.examples(count: 800)   // [JSONValue]: {"messages": […], "tools": […]}
public struct ToolCallSynth {
    public let catalog: ToolCatalog
    /// One vector per catalog function (its name and description embedded), or nil for random distractors.
    public var embeddings: [[Float]]?
    /// One vector per unmatched request, so the functions offered with it can be its nearest.
    public var unmatchedEmbeddings: [[Float]]?
    /// Shares of each kind of example; the rest are single calls.
    public var parallelShare = 0.10, parallelMultipleShare = 0.08, irrelevanceShare = 0.40
    /// Examples rejected by verification.
    public private(set) var rejected = 0
    private var random: SeededGenerator

    public init(catalog: ToolCatalog, embeddings: [[Float]]? = nil, seed: UInt64) {
        self.catalog = catalog
        self.embeddings = embeddings
        random = SeededGenerator(seed: seed)
    }

    public enum Kind: String, CaseIterable, Sendable { case single, parallel, parallelMultiple = "parallel_multiple", irrelevance }

    /// `count` verified examples (fewer only if the catalog cannot make that many different ones).
    public mutating func examples(count: Int) -> [JSONValue] {
        var out: [JSONValue] = [], seen = Set<String>(), attempts = 0
        while out.count < count && attempts < count * 20 {
            attempts += 1
            let r = Double.random(in: 0..<1, using: &random)
            let kind: Kind = r < irrelevanceShare ? .irrelevance
                : r < irrelevanceShare + parallelShare ? .parallel
                : r < irrelevanceShare + parallelShare + parallelMultipleShare ? .parallelMultiple : .single
            guard let e = example(kind) else { rejected += 1; continue }
            if seen.insert(e.canonicalJSON).inserted { out.append(e) }
        }
        return out
    }

    /// One example of a kind, or nil when it fails verification.
    public mutating func example(_ kind: Kind) -> JSONValue? {
        let n = catalog.functions.count
        let first = Int.random(in: 0..<n, using: &random)
        var targets: [Int] = [first]
        switch kind {
        case .parallel: targets += Array(repeating: first, count: Int.random(in: 0..<3, using: &random) == 0 ? 2 : 1)
        case .parallelMultiple:
            targets.append(nearest(to: first, excluding: [first], count: 3).randomElement(using: &random) ?? (first + 1) % n)
        default: break
        }
        var requests: [String] = [], calls: [(name: String, arguments: String)] = []
        for t in targets {
            guard let (text, arguments) = request(for: catalog.functions[t]),
                  !calls.contains(where: { $0.name == catalog.functions[t].name && $0.arguments == arguments }) else { return nil }
            requests.append(text)
            calls.append((catalog.functions[t].name, arguments))
        }
        // A request no function answers: a near miss of the first target, offered with it (most
        // of BFCL's irrelevance questions are such: the function's topic, not its job); one of the
        // catalog's unmatched requests (numbers and all, so that a number is no reason to call); or
        // the first target's own request, the target not offered.
        var unmatched: Int?, nearMiss = false
        if kind == .irrelevance {
            let r = Double.random(in: 0..<1, using: &random)
            if r < 0.45, let miss = catalog.functions[first].misses.randomElement(using: &random) {
                requests = [miss]
                nearMiss = true
            } else if r < 0.75, !catalog.unmatched.isEmpty {
                unmatched = Int.random(in: 0..<catalog.unmatched.count, using: &random)
                requests = [catalog.unmatched[unmatched!]]
            }
        }
        // The offered functions: as many for every kind (one 40% of the time, as in a benchmark
        // question, else two to four), so that how many are offered says nothing about whether
        // one fits: the targets (or the function a near miss is near), then others.
        var offered = kind == .irrelevance ? (nearMiss ? [first] : []) : targets.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        let size = max(offered.count, Double.random(in: 0..<1, using: &random) < 0.4 ? 1 : Int.random(in: 2...4, using: &random))
        let others = size - offered.count
        let near = Bool.random(using: &random)
        let excluded = Set(targets)
        let pool = near ? nearest(to: unmatched.flatMap { unmatchedEmbeddings?[$0] } ?? embeddings?[first], excluding: excluded, count: others)
            : Array((0..<n).filter { !excluded.contains($0) }.shuffled(using: &random).prefix(others))
        offered += pool
        offered.shuffle(using: &random)
        let tools = offered.map { catalog.functions[$0].definition }
        let user = requests.joined(separator: " ")
        let assistant: Message
        if kind == .irrelevance {
            assistant = .assistant(Self.declines[Int.random(in: 0..<Self.declines.count, using: &random)])
        } else {
            var m = Message.assistant("")
            m.toolCalls = calls.enumerated().map { ToolCall(id: "call_\($0.offset + 1)", name: $0.element.name, arguments: $0.element.arguments) }
            assistant = m
        }
        guard verify(user: user, assistant: assistant, tools: tools) else { return nil }
        return Self.line(messages: [.user(user), assistant], tools: tools)
    }

    /// What the model says when no offered function fits. Every one starts with the same word, so
    /// that the answer's first token is the decision: "<" (of `<tool_call>`) against "None", not
    /// against several openings that split the probability of declining between them.
    static let declines = [
        "None of the functions I can call does this, so I cannot answer it with them.",
        "None of the available functions can help with this request.",
        "None of the functions I have fits this request, so I can't do that with them.",
    ]

    /// A request from one of the function's templates, and the arguments it asks for (JSON, keys
    /// sorted as the engine's grammar writes them).
    mutating func request(for f: ToolCatalog.Function) -> (String, String)? {
        guard let template = f.requests.randomElement(using: &random) else { return nil }
        var text = template, arguments: [(String, JSONValue)] = []
        for slot in ToolCatalog.slots(template).reversed() {
            guard let p = f.parameters.first(where: { $0.name == slot.name }) else { return nil }
            let value: JSONValue = slot.words != nil ? .bool(true) : p.values.randomElement(using: &random)!
            let grouped = Bool.random(using: &random)  // "12,000" half the time, as people write it
            text.replaceSubrange(slot.range, with: slot.words ?? p.said[value] ?? Self.spoken(value, grouped: grouped))
            // Two parameters that draw on the same values (from and to, origin and destination) differ.
            if arguments.contains(where: { a in a.1 == value && f.parameters.first { $0.name == a.0 }?.values == p.values }) { return nil }
            arguments.append((p.name, value))
        }
        let body = arguments.sorted { $0.0 < $1.0 }.map { JSONValue.string($0.0).canonicalJSON + ": " + Self.written($0.1) }
        return (text, "{" + body.joined(separator: ", ") + "}")
    }

    /// Every check an example passes before it is kept.
    public func verify(user: String, assistant: Message, tools: [ToolDefinition]) -> Bool {
        for call in assistant.toolCalls ?? [] {
            guard let tool = tools.first(where: { $0.name == call.name }),
                  let grammar = try? JSONGrammar(schema: tool.parameters, compact: true),
                  let matched = JSONMatcher(grammar: grammar).advanced(by: Array(call.arguments.utf8)), matched.isComplete,
                  let value = try? JSONDecoder().decode(JSONValue.self, from: Data(call.arguments.utf8)) else { return false }
            let parameters = catalog.functions.first { $0.name == call.name }?.parameters ?? []
            for (k, v) in value.object ?? [:] where v.bool == nil {
                let forms = parameters.first { $0.name == k }?.said[v].map { [[$0]] }
                    ?? v.array?.map { [Self.spoken($0)] } ?? [[Self.spoken(v), Self.spoken(v, grouped: true)]]
                guard forms.allSatisfy({ $0.contains(where: user.contains) }) else { return false }
            }
        }
        let written = ToolCallFormat.messages([.user(user), assistant], tools: tools, choice: .auto).last?.content ?? ""
        let read = ToolCallFormat.parse(written).calls
        let made = (assistant.toolCalls ?? []).map { ($0.name, $0.arguments) }
        return read.count == made.count && zip(read, made).allSatisfy { $0.name == $1.0 && $0.arguments == $1.1 }
    }

    /// The catalog functions nearest to function `i` by cosine of their embeddings (random without them).
    mutating func nearest(to i: Int, excluding: Set<Int>, count: Int) -> [Int] {
        nearest(to: embeddings?[i], excluding: excluding.union([i]), count: count)
    }

    /// The catalog functions nearest to a vector (random without one).
    mutating func nearest(to v: [Float]?, excluding: Set<Int>, count: Int) -> [Int] {
        let candidates = (0..<catalog.functions.count).filter { !excluding.contains($0) }
        guard let v, let e = embeddings else { return Array(candidates.shuffled(using: &random).prefix(count)) }
        let score = Dictionary(uniqueKeysWithValues: candidates.map { ($0, EmbeddingModel.cosine(v, e[$0])) })
        return Array(candidates.sorted { score[$0]! > score[$1]! || (score[$0]! == score[$1]! && $0 < $1) }.prefix(count))
    }

    /// A value as a request says it: numbers without a trailing ".0" (whole ones from 1,000 up with
    /// thousands separators when `grouped`), lists as "a, b and c".
    static func spoken(_ v: JSONValue, grouped: Bool = false) -> String {
        switch v {
        case .string(let s): return s
        case .number(let n) where grouped && n == n.rounded() && abs(n) >= 1000 && abs(n) < 1e15:
            let digits = String(Int(abs(n)))
            var out = n < 0 ? "-" : ""
            for (i, c) in digits.enumerated() {
                if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
                out.append(c)
            }
            return out
        case .number: return written(v)
        case .array(let a):
            let items = a.map { spoken($0) }
            return items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
        default: return written(v)
        }
    }

    /// A value as JSON in a call (integral numbers without ".0", as `canonicalJSON` writes them).
    static func written(_ v: JSONValue) -> String {
        if case .array(let a) = v { return "[" + a.map(written).joined(separator: ", ") + "]" }
        return v.canonicalJSON
    }

    /// OpenAI's fine-tuning line: messages (the assistant's calls in `tool_calls`) and the tools.
    static func line(messages: [Message], tools: [ToolDefinition]) -> JSONValue {
        ["messages": .array(messages.map(\.openAI)), "tools": .array(tools.map(\.openAI))]
    }
}
