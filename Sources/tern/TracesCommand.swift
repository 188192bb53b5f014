import ArgumentParser
import Foundation
import TernLM

struct Traces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the recorded calls: what exactly was sent to each model, and what came back.",
        subcommands: [List.self, Show.self, Tail.self, Export.self, Stats.self, Evals.self])

    struct StoreOption: ParsableArguments {
        @Option(name: .customLong("traces"), help: "Trace database (default: <tern home>/traces.sqlite, or TERN_TRACES).") var path: String?

        func open() throws -> TraceStore {
            let p = path ?? TraceStore.defaultPath
            guard FileManager.default.fileExists(atPath: p) else {
                throw CLIError("no trace database at \(p): nothing has been traced yet (or pass --traces PATH)")
            }
            return try TraceStore.open(path: p)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest calls, newest first.")
        @OptionGroup var store: StoreOption
        @Option(help: "How many calls.") var limit = 20
        @Flag(help: "Print a JSON array of whole records.") var json = false

        func run() throws {
            let calls = try store.open().calls(limit: max(1, limit))
            if json { print(calls.canonicalJSON) } else { for c in calls { print(c.summaryLine) } }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the prompt of call ID exactly as the model saw it, special tokens included.")
        @OptionGroup var store: StoreOption
        @Flag(help: "Print the whole record as JSON instead.") var json = false
        @Argument(help: "The call's id (from `tern traces list`).") var id: Int64

        func run() throws {
            guard let c = try store.open().call(id: id) else { throw CLIError("no call with id \(id): see `tern traces list`") }
            if json { print([c].canonicalJSON); return }
            emit(c.renderedPrompt ?? c.messages)
        }
    }

    struct Evals: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The recorded evaluations of programs, newest first.")
        @OptionGroup var store: StoreOption
        @Option(help: "How many evaluations.") var limit = 20
        @Flag(help: "Print a JSON array of whole records, each with its per-example rows.") var json = false

        func run() throws {
            let evals = try store.open().evaluations(limit: max(1, limit))
            if json { print(evals.canonicalJSON); return }
            for e in evals {
                let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: e.startedAt))
                print(String(format: "%lld\t%@\t%@\t%@\t%.1f%%\t%d examples\t%d calls",
                             e.id ?? 0, time, e.model, e.name, e.score, e.examples, e.calls))
            }
        }
    }

    struct Tail: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Follow new calls as they are recorded (Ctrl-C stops).")
        @OptionGroup var store: StoreOption
        @Flag(help: "One JSON record per line.") var json = false

        func run() throws {
            let s = try store.open()
            var last = try s.calls(limit: 1).first?.id ?? 0
            while true {
                for c in try s.calls(limit: 100, after: last) {
                    emit((json ? c.canonicalJSON : c.summaryLine) + "\n")
                    last = c.id ?? last
                }
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every call as one JSON object per line, with OpenInference attribute names.")
        @OptionGroup var store: StoreOption
        @Flag(help: "JSON Lines (the only format).") var jsonl = false

        func run() throws {
            try store.open().forEachCall { print($0.openInference.canonicalJSON) }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Calls, tokens and latency percentiles per model.")
        @OptionGroup var store: StoreOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            var byModel: [String: [TraceRecord]] = [:]
            try store.open().forEachCall { byModel[$0.model, default: []].append($0) }
            var rows: [JSONValue] = []
            for (model, calls) in byModel.sorted(by: { $0.key < $1.key }) {
                let latencies = calls.compactMap(\.latency).sorted(), ttfts = calls.compactMap(\.timeToFirstToken).sorted()
                func pct(_ xs: [Double], _ p: Double) -> JSONValue {
                    xs.isEmpty ? .null : .number(xs[min(xs.count - 1, Int((p * Double(xs.count - 1)).rounded()))])
                }
                rows.append(.object([
                    "model": .string(model), "calls": .number(Double(calls.count)),
                    "errors": .number(Double(calls.filter { $0.error != nil }.count)),
                    "cache_hits": .number(Double(calls.filter(\.cacheHit).count)),
                    "prompt_tokens": .number(Double(calls.compactMap(\.promptTokens).reduce(0, +))),
                    "completion_tokens": .number(Double(calls.compactMap(\.completionTokens).reduce(0, +))),
                    "latency_p50": pct(latencies, 0.5), "latency_p95": pct(latencies, 0.95), "latency_p99": pct(latencies, 0.99),
                    "ttft_p50": pct(ttfts, 0.5), "ttft_p95": pct(ttfts, 0.95),
                ]))
            }
            if json { print(JSONValue.array(rows).canonicalJSON); return }
            print("model                 calls  errors  cached  prompt_tok  completion_tok  p50_s   p95_s   p99_s   ttft_p50_s")
            for r in rows {
                func f(_ k: String) -> String { r[k]?.number.map { String(format: "%.3f", $0) } ?? "-" }
                func i(_ k: String) -> String { r[k]?.number.map { String(Int($0)) } ?? "-" }
                print([r["model"]?.string ?? "", i("calls"), i("errors"), i("cache_hits"), i("prompt_tokens"), i("completion_tokens"),
                       f("latency_p50"), f("latency_p95"), f("latency_p99"), f("ttft_p50")]
                    .enumerated().map { $0.offset == 0 ? $0.element.padding(toLength: 20, withPad: " ", startingAt: 0) : $0.element }
                    .joined(separator: "  "))
            }
        }
    }
}

extension TraceRecord {
    var summaryLine: String {
        let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: startedAt))
        let out = (error.map { "error: " + $0 } ?? output ?? "").replacingOccurrences(of: "\n", with: "⏎")
        let tokens = "\(promptTokens ?? 0)+\(completionTokens ?? 0) tok"
        let latency = latency.map { String(format: "%.2fs", $0) } ?? "-"
        return "\(id ?? 0)\t\(time)\t\(model)\t\(kind)\(cacheHit ? " (cached)" : "")\t\(tokens)\t\(latency)\t\(out.prefix(60))"
    }

    /// The call as an OpenInference-style span: flattened `llm.*` attribute names.
    var openInference: JSONValue {
        var a: [String: JSONValue] = [
            "openinference.span.kind": .string("LLM"), "llm.model_name": .string(model), "llm.provider": .string(backend),
            "llm.invocation_parameters": .string(parameters), "tern.call.kind": .string(kind), "tern.cache_hit": .bool(cacheHit),
        ]
        if let msgs = try? JSONDecoder().decode([Message].self, from: Data(messages.utf8)) {
            for (i, m) in msgs.enumerated() {
                a["llm.input_messages.\(i).message.role"] = .string(m.role.rawValue)
                a["llm.input_messages.\(i).message.content"] = .string(m.content)
            }
        }
        if let p = renderedPrompt { a["input.value"] = .string(p) }
        if let o = output {
            a["output.value"] = .string(o)
            a["llm.output_messages.0.message.role"] = .string("assistant")
            a["llm.output_messages.0.message.content"] = .string(o)
        }
        if let p = promptTokens { a["llm.token_count.prompt"] = .number(Double(p)) }
        if let c = completionTokens { a["llm.token_count.completion"] = .number(Double(c)) }
        if let p = promptTokens, let c = completionTokens { a["llm.token_count.total"] = .number(Double(p + c)) }
        if let t = timeToFirstToken { a["tern.time_to_first_token"] = .number(t) }
        if let f = finishReason { a["tern.finish_reason"] = .string(f) }
        if let r = rolloutID { a["tern.rollout_id"] = .string(r) }
        let start = startedAt, end = startedAt + (latency ?? 0)
        return .object([
            "name": .string("llm.\(kind)"), "span_id": .string(spanID), "parent_span_id": parentSpanID.map { .string($0) } ?? .null,
            "start_time": .number(start), "end_time": .number(end),
            "status": .string(error == nil ? "OK" : "ERROR"), "status_message": error.map { .string($0) } ?? .null,
            "attributes": .object(a),
        ])
    }
}

/// A one-line error for the user (ArgumentParser prints it as "Error: …", without the usage).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
