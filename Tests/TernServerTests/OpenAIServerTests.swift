import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TernLM
import XCTest
import TernServer

/// The server over a scripted model, driven by Tern's own OpenAI client and by raw HTTP for the
/// error cases. (The real model and the official `openai` package are in ternTests/ServeTests.)
final class OpenAIServerTests: XCTestCase {
    func testClientRoundTripsChatCompletionsStreamAndEmbeddings() async throws {
        let scripted = ScriptedModel(name: "echo") { request in
            "you said: " + (request.prompt.messages.last?.content ?? "")
        }
        let server = try await ServerHarness(OpenAIServer(models: [scripted]))
        defer { server.stop() }
        let client = OpenAICompatibleModel(baseURL: server.baseURL, model: "echo", apiKey: "unused")

        let chat = try await client.chat([.system("s"), .user("hello")], parameters: GenerationParameters(n: 2))
        XCTAssertEqual(chat.choices.map(\.text), ["you said: hello", "you said: hello"])
        XCTAssertEqual(scripted.requests.last?.prompt, .chat([.system("s"), .user("hello")]))
        XCTAssertEqual(scripted.requests.last?.parameters.n, 2)

        let text = try await client.complete("abc", parameters: GenerationParameters(temperature: 0.5, maxTokens: 7, stop: ["x"]))
        XCTAssertEqual(text.text, "you said: abc")
        let seen = try XCTUnwrap(scripted.requests.last)
        XCTAssertEqual(seen.prompt, .text("abc"))
        XCTAssertEqual(seen.parameters.temperature, 0.5)
        XCTAssertEqual(seen.parameters.maxTokens, 7)
        XCTAssertEqual(seen.parameters.stop, ["x"])

        var streamed = "", done: Completion?
        for try await chunk in client.stream(CompletionRequest(.chat([.user("stream me")]))) {
            switch chunk {
            case .text(_, let t, _): streamed += t
            case .done(let c): done = c
            }
        }
        XCTAssertEqual(streamed, "you said: stream me")
        XCTAssertEqual(done?.text, "you said: stream me")
        XCTAssertGreaterThan(done?.usage.completionTokens ?? 0, 0, "usage arrives in the final chunk")

        let vectors = try await client.embed(["a", "bb"])
        let expected = try await scripted.embed(["a", "bb"])
        XCTAssertEqual(vectors, expected)
    }

    func testErrorsHaveOpenAIShapeAndStatus() async throws {
        let server = try await ServerHarness(OpenAIServer(models: [ScriptedModel(name: "m", rule: { _ in "ok" })],
                                                          apiKey: "secret", maxBodyBytes: 1000))
        defer { server.stop() }
        let auth = ["Authorization": "Bearer secret"]
        func check(_ status: Int, _ body: String?, headers: [String: String], code: String?, _ line: UInt = #line) async throws {
            let (s, text) = try await server.request(.POST, "/v1/chat/completions", body: body, headers: headers)
            XCTAssertEqual(s, status, text, line: line)
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            XCTAssertNotNil(json["error"]?["message"]?.string, text, line: line)
            XCTAssertNotNil(json["error"]?["type"]?.string, text, line: line)
            if let code { XCTAssertEqual(json["error"]?["code"]?.string, code, text, line: line) }
        }
        let ok = #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#
        try await check(401, ok, headers: [:], code: "invalid_api_key")
        try await check(401, ok, headers: ["Authorization": "Bearer wrong"], code: "invalid_api_key")
        try await check(400, #"{"messages": [}"#, headers: auth, code: "invalid_json")
        try await check(400, "", headers: auth, code: "invalid_json")
        try await check(400, "[1, 2]", headers: auth, code: "invalid_json")
        try await check(400, #"{"messages": "hi"}"#, headers: auth, code: "invalid_json")
        try await check(400, #"{"messages": []}"#, headers: auth, code: "invalid_value")
        try await check(400, #"{"messages":[{"role":"wizard","content":"hi"}]}"#, headers: auth, code: "invalid_value")
        try await check(400, #"{"messages":[{"role":"user","content":"hi"}],"temperature":5}"#, headers: auth, code: "invalid_value")
        try await check(400, #"{"messages":[{"role":"user","content":"hi"}],"n":0}"#, headers: auth, code: "invalid_value")
        try await check(404, #"{"model":"nope","messages":[{"role":"user","content":"hi"}]}"#, headers: auth, code: "model_not_found")
        try await check(413, #"{"messages":[{"role":"user","content":""# + String(repeating: "x", count: 2000) + #""}]}"#,
                        headers: auth, code: "request_too_large")
        let (s, text) = try await server.request(.POST, "/v1/chat/completions", body: ok, headers: auth)
        XCTAssertEqual(s, 200, text)
        let (health, _) = try await server.request(.GET, "/health")
        XCTAssertEqual(health, 200)
        let (_, metrics) = try await server.request(.GET, "/metrics")
        XCTAssertTrue(metrics.contains(#"tern_requests_total{endpoint="chat",status="401"} 2"#), metrics)
        XCTAssertTrue(metrics.contains(#"tern_requests_total{endpoint="chat",status="200"} 1"#), metrics)
        // The scripted model counts words: "user: hi" is 2 prompt tokens, "ok" 1 generated.
        XCTAssertTrue(metrics.contains("tern_prompt_tokens_total 2\n"), metrics)
        XCTAssertTrue(metrics.contains("tern_completion_tokens_total 1\n"), metrics)
    }

    func testOverloadedModelAnswers429AndUpstreamErrorsAreRetried() async throws {
        struct Overloaded: LanguageModel {
            var name: String { "busy" }
            var backend: String { "test" }
            func complete(_ r: CompletionRequest) async throws -> Completion { throw LMError.overloaded("queue full") }
            func stream(_ r: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> { streamByCompleting(r) }
            func score(_ p: Prompt, continuation: String) async throws -> Score { throw LMError.unsupported("score") }
            func embed(_ t: [String]) async throws -> [[Float]] { throw LMError.unsupported("embed") }
        }
        let server = try await ServerHarness(OpenAIServer(models: [Overloaded()]))
        defer { server.stop() }
        let (s, _) = try await server.request(.POST, "/v1/completions", body: #"{"prompt":"x"}"#)
        XCTAssertEqual(s, 429)
        // The client retries 429 (here twice, with short backoff) and then reports the server's message.
        let client = OpenAICompatibleModel(baseURL: server.baseURL, model: "busy", maxRetries: 2)
        let started = Date()
        do {
            _ = try await client.complete("x")
            XCTFail("expected an error")
        } catch let LMError.server(status, message) {
            XCTAssertEqual(status, 429)
            XCTAssertTrue(message.contains("queue full"), message)
            XCTAssertGreaterThan(Date().timeIntervalSince(started), 0.5, "two backoffs of ≥ 0.375 s each")
        }
        // AsyncHTTPClient keeps retrying a refused connection until the deadline, so keep it short.
        let unreachable = OpenAICompatibleModel(baseURL: "http://127.0.0.1:1/v1", model: "x", timeout: .seconds(2), maxRetries: 0)
        do {
            _ = try await unreachable.complete("x")
            XCTFail("expected an error")
        } catch let LMError.transport(message) {
            XCTAssertTrue(message.contains("127.0.0.1:1"), message)
        }
    }
}
