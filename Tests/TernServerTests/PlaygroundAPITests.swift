import Foundation
import NIOHTTP1
import TernLM
import TernServer
import XCTest

/// The playground's page and Tern's own /tern/v1 endpoints over scripted models and a real SQLite
/// trace store. (The page in a real browser on the real model is ternTests/PlaygroundBrowserTests.)
final class PlaygroundAPITests: XCTestCase {
    private let auth = ["Authorization": "Bearer secret"]

    private func store() throws -> TraceStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("playground-\(UUID().uuidString)/traces.sqlite").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        return try TraceStore(path: path)
    }

    private func json(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    /// The page is open (it asks for the key itself) and forbids inline and foreign scripts; the
    /// API behind it needs the key.
    func testPageIsServedAndTheAPIObeysTheKey() async throws {
        let server = try await ServerHarness(OpenAIServer(models: [ScriptedModel(name: "m", rule: { _ in "ok" })], apiKey: "secret"))
        defer { server.stop() }
        let (status, page) = try await server.request(.GET, "/")
        XCTAssertEqual(status, 200)
        XCTAssertTrue(page.contains("<script type=\"module\" src=\"/playground/app.js\"></script>"), page)
        // Model output is written as text, never parsed as HTML, in every script of the page.
        for file in ["api", "app", "chart", "compare", "compose", "models", "prompt", "tokens", "traces"] {
            let (jsStatus, js) = try await server.request(.GET, "/playground/\(file).js")
            XCTAssertEqual(jsStatus, 200, file)
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"] { XCTAssertFalse(js.contains(sink), "\(file).js: \(sink)") }
        }
        let (_, tokens) = try await server.request(.GET, "/playground/tokens.js")
        XCTAssertTrue(tokens.contains("textContent"))
        let (missing, body) = try await server.request(.GET, "/playground/nothing.js")
        XCTAssertEqual(missing, 404, body)

        let (denied, error) = try await server.request(.GET, "/tern/v1/models")
        XCTAssertEqual(denied, 401, error)
        let (ok, models) = try await server.request(.GET, "/tern/v1/models", headers: auth)
        XCTAssertEqual(ok, 200, models)
        XCTAssertEqual(try json(models)["data"]?[0]?["id"]?.string, "m")
        XCTAssertEqual(try json(models)["data"]?[0]?["kind"]?.string, "scripted")
    }

    /// The page's policy allows scripts from this server only: model output that slipped into
    /// the page as markup still could not run.
    func testPageSendsASecurityPolicy() async throws {
        let server = try await ServerHarness(OpenAIServer(models: [ScriptedModel(name: "m", rule: { _ in "ok" })]))
        defer { server.stop() }
        let headers = try await server.headers("/")
        let policy = try XCTUnwrap(headers["Content-Security-Policy"].first)
        XCTAssertTrue(policy.contains("script-src 'self'"), policy)
        XCTAssertFalse(policy.contains("unsafe-inline"), policy)
    }

    /// Calls recorded through the server are searchable by text, model, kind and time, paged newest
    /// first; one call comes back with its messages and parameters as JSON and its span tree.
    func testTracesAreFilteredPagedAndShownWithTheirSpans() async throws {
        let traces = try store()
        let echo = TracedModel(ScriptedModel(name: "echo") { "echo: " + ($0.prompt.messages.last?.content ?? "") }, store: traces)
        let other = TracedModel(ScriptedModel(name: "other") { _ in "fixed" }, store: traces)
        let server = try await ServerHarness(OpenAIServer(models: [echo, other], apiKey: "secret", traces: traces))
        defer { server.stop() }
        for word in ["apple", "banana", "cherry"] {
            let (s, t) = try await server.request(.POST, "/v1/chat/completions", body:
                #"{"model":"echo","messages":[{"role":"user","content":"\#(word) pie"}],"temperature":0.3}"#, headers: auth)
            XCTAssertEqual(s, 200, t)
        }
        _ = try await traces.span("search", attributes: ["strategy": .string("best-of-n")]) {
            try await other.complete(CompletionRequest(.chat([.user("inside a span")])))
        }

        func page(_ query: String) async throws -> JSONValue {
            let (s, t) = try await server.request(.GET, "/tern/v1/traces" + query, headers: auth)
            XCTAssertEqual(s, 200, t)
            return try json(t)
        }
        let all = try await page("")
        XCTAssertEqual(all["total"]?.number, 4)
        XCTAssertEqual(all["models"], .array([.string("echo"), .string("other")]))
        XCTAssertEqual(all["kinds"], .array([.string("complete")]))
        XCTAssertEqual(all["data"]?[0]?["model"]?.string, "other", "newest first")

        // A query as forms and URLSearchParams write it: "+" for a space, "%2B" for a plus.
        let spaced = try await page("?q=BANANA+pie")
        XCTAssertEqual(spaced["total"]?.number, 1)
        let plus = try await page("?q=banana%2Bpie")
        XCTAssertEqual(plus["total"]?.number, 0)
        let banana = try await page("?q=BANANA")
        XCTAssertEqual(banana["total"]?.number, 1)
        XCTAssertEqual(banana["data"]?[0]?["output"]?.string, "echo: banana pie")
        let echoes = try await page("?model=echo&limit=2&offset=2")
        XCTAssertEqual(echoes["total"]?.number, 3)
        XCTAssertEqual(echoes["data"]?.array?.count, 1)
        XCTAssertEqual(echoes["data"]?[0]?["output"]?.string, "echo: apple pie", "the last page holds the oldest")
        let future = try await page("?since=\(Date().timeIntervalSince1970 + 3600)")
        XCTAssertEqual(future["total"]?.number, 0)
        let past = try await page("?until=\(Date().timeIntervalSince1970 + 3600)&kind=complete")
        XCTAssertEqual(past["total"]?.number, 4)

        let inSpan = try XCTUnwrap(all["data"]?[0]?["id"]?.number)
        let (s, text) = try await server.request(.GET, "/tern/v1/traces/\(Int(inSpan))", headers: auth)
        XCTAssertEqual(s, 200, text)
        let detail = try json(text)
        XCTAssertEqual(detail["messages"]?[0]?["content"]?.string, "inside a span")
        XCTAssertEqual(detail["spans"]?["name"]?.string, "search")
        XCTAssertEqual(detail["spans"]?["attributes"]?["strategy"]?.string, "best-of-n")
        XCTAssertEqual(detail["spans"]?["calls"]?[0]?["id"]?.number, inSpan)

        let banana0 = try XCTUnwrap(banana["data"]?[0]?["id"]?.number)
        let (_, plain) = try await server.request(.GET, "/tern/v1/traces/\(Int(banana0))", headers: auth)
        XCTAssertEqual(try json(plain)["parameters"]?["temperature"]?.number, 0.3)
        XCTAssertEqual(try json(plain)["spans"], .null)

        for (path, status) in [("/tern/v1/traces/999", 404), ("/tern/v1/traces/abc", 400), ("/tern/v1/traces?limit=0", 400),
                               ("/tern/v1/traces?since=yesterday", 400), ("/tern/v1/traces?offset=-1", 400)] {
            let (got, body) = try await server.request(.GET, path, headers: auth)
            XCTAssertEqual(got, status, "\(path): \(body)")
            XCTAssertNotNil(try json(body)["error"]?["message"]?.string, body)
        }
    }

    /// Evaluations stored by `Evaluate` are listed with their scores.
    func testEvaluationsAreListed() async throws {
        let traces = try store()
        _ = try traces.record(EvaluationRecord(spanID: nil, name: "arithmetic", model: "m", startedAt: 1000, score: 0.75,
                                               examples: 4, calls: 4, rows: "[]"))
        let server = try await ServerHarness(OpenAIServer(models: [ScriptedModel(name: "m", rule: { _ in "ok" })], traces: traces))
        defer { server.stop() }
        let (s, text) = try await server.request(.GET, "/tern/v1/evals")
        XCTAssertEqual(s, 200, text)
        XCTAssertEqual(try json(text)["data"]?[0]?["name"]?.string, "arithmetic")
        XCTAssertEqual(try json(text)["data"]?[0]?["score"]?.number, 0.75)

        let untraced = try await ServerHarness(OpenAIServer(models: [ScriptedModel(name: "m", rule: { _ in "ok" })]))
        defer { untraced.stop() }
        let (off, message) = try await untraced.request(.GET, "/tern/v1/traces")
        XCTAssertEqual(off, 404)
        XCTAssertTrue(message.contains("tracing is off"), message)
    }

    /// The judge asks both orders: a judge that always prefers the first answer is caught as a tie,
    /// one that prefers the right answer wherever it stands wins for it.
    func testJudgeSwapsPositions() async throws {
        let biased = ScriptedModel(name: "biased") { _ in "The first is better. [[A]]" }
        let fair = ScriptedModel(name: "fair") { request in
            let text = request.prompt.messages.map(\.content).joined()
            let paris = text.range(of: "Paris")!.lowerBound, london = text.range(of: "London")!.lowerBound
            return paris < london ? "Paris is right. [[A]]" : "Paris is right. [[B]]"
        }
        let traces = try store()
        let server = try await ServerHarness(OpenAIServer(models: [biased, TracedModel(fair, store: traces)], traces: traces))
        defer { server.stop() }
        let question = #""question":"What is the capital of France?","a":"Paris","b":"London""#
        let (s1, t1) = try await server.request(.POST, "/tern/v1/judge", body: #"{"model":"biased",\#(question)}"#)
        XCTAssertEqual(s1, 200, t1)
        XCTAssertEqual(try json(t1)["verdict"]?.string, "tie")
        XCTAssertEqual(try json(t1)["in_order"]?.string, "a")
        XCTAssertEqual(try json(t1)["swapped"]?.string, "b")
        let (s2, t2) = try await server.request(.POST, "/tern/v1/judge", body: #"{"model":"fair",\#(question)}"#)
        XCTAssertEqual(s2, 200, t2)
        XCTAssertEqual(try json(t2)["verdict"]?.string, "a")
        XCTAssertEqual(try json(t2)["explanations"]?.array?.count, 2)
        // Both orders' calls are traced under one "judge" span that carries the verdict.
        let judged = try traces.spans(under: nil).filter { $0.name == "judge" }
        XCTAssertEqual(judged.count, 2)
        let fairSpan = try XCTUnwrap(judged.first { try traces.calls(under: $0.spanID).count == 2 })
        XCTAssertTrue(fairSpan.attributes?.contains(#""verdict":"a""#) == true, fairSpan.attributes ?? "")
        let (s3, t3) = try await server.request(.POST, "/tern/v1/judge", body: #"{"model":"fair","a":"x","b":"y"}"#)
        XCTAssertEqual(s3, 400, t3)
        XCTAssertTrue(t3.contains("question"), t3)
    }

    /// Rendering and forking paths need the local engine; a scripted or remote model gets a 400
    /// that says so, and bad fields are named.
    func testRenderAndForksNameWhatIsWrong() async throws {
        let server = try await ServerHarness(OpenAIServer(models: [ScriptedModel(name: "m", rule: { _ in "ok" })]))
        defer { server.stop() }
        for (path, body, words) in [
            ("/tern/v1/render", #"{"messages":[{"role":"user","content":"hi"}]}"#, "only local models"),
            ("/tern/v1/forks", #"{"prompt":"2+2="}"#, "local model"),
            ("/tern/v1/render", #"{"messages":"#, "JSON"),
            ("/tern/v1/render", #"{"model":"nope","messages":[]}"#, "nope"),
        ] {
            let (s, t) = try await server.request(.POST, path, body: body)
            XCTAssertTrue((400..<500).contains(s), "\(path) \(body): \(s) \(t)")
            XCTAssertTrue(t.contains(words), "\(path) \(body): \(t)")
        }
    }
}
