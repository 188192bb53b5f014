import Foundation
import XCTest
import TernLM

/// The trace store and the traced wrapper, on a scripted model and a real SQLite file.
final class TraceStoreTests: XCTestCase {
    private func store() throws -> TraceStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tern-traces-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return try TraceStore(path: dir.appendingPathComponent("traces.sqlite").path)
    }

    func testEveryCallIsRecordedWithPromptParametersAndOutput() async throws {
        let s = try store()
        let model = TracedModel(ScriptedModel(name: "m", replies: ["four"]), store: s)
        let c = try await model.chat([.system("Be brief."), .user("2+2?")], parameters: GenerationParameters(temperature: 0.3, maxTokens: 5))
        XCTAssertEqual(c.text, "four")
        let r = try XCTUnwrap(try s.calls().first)
        XCTAssertEqual(r.model, "m")
        XCTAssertEqual(r.backend, "scripted")
        XCTAssertEqual(r.kind, "complete")
        XCTAssertEqual(r.output, "four")
        XCTAssertEqual(r.finishReason, "stop")
        XCTAssertFalse(r.cacheHit)
        XCTAssertEqual(try JSONDecoder().decode([Message].self, from: Data(r.messages.utf8)), [.system("Be brief."), .user("2+2?")])
        let p = try JSONDecoder().decode(GenerationParameters.self, from: Data(r.parameters.utf8))
        XCTAssertEqual(p.temperature, 0.3)
        XCTAssertEqual(p.maxTokens, 5)
        XCTAssertEqual(r.renderedPrompt, "system: Be brief.\nuser: 2+2?")
    }

    func testCallsNestUnderSpans() async throws {
        let s = try store()
        let model = TracedModel(ScriptedModel(rule: { _ in "ok" }), store: s)
        _ = try await model.complete("outside")
        var outer = ""
        try await s.span("program") {
            outer = Span.current ?? ""
            _ = try await model.complete("a")
            try await s.span("step") { _ = try await model.complete("b") }
        }
        let calls = try s.calls().reversed().map { $0 }
        XCTAssertNil(calls[0].parentSpanID)
        XCTAssertEqual(calls[1].parentSpanID, outer)
        XCTAssertNotNil(calls[2].parentSpanID)
        XCTAssertNotEqual(calls[2].parentSpanID, outer, "the inner span's own id")
    }

    func testCacheAnswersRepeatsAndTracesThemAsHits() async throws {
        let s = try store()
        let scripted = ScriptedModel(rule: { r in "answer \(r.rolloutID ?? "-")" })
        let model = TracedModel(scripted, store: s, cache: true)
        let q = CompletionRequest(.text("q"), parameters: .greedy)
        let a = try await model.complete(q)
        let b = try await model.complete(q)
        XCTAssertEqual(a, b)
        XCTAssertEqual(scripted.requests.count, 1, "the repeat came from the cache")
        var bypass = q
        bypass.bypassCache = true
        _ = try await model.complete(bypass)
        var rollout = q
        rollout.rolloutID = "r2"
        let r2 = try await model.complete(rollout)
        XCTAssertEqual(r2.text, "answer r2")
        XCTAssertEqual(scripted.requests.count, 3)
        let hits = try s.calls().reversed().map(\.cacheHit)
        XCTAssertEqual(hits, [false, true, false, false])
    }

    func testFailedCallsAreRecordedWithTheirError() async throws {
        let s = try store()
        let model = TracedModel(ScriptedModel(name: "empty"), store: s)
        do { _ = try await model.complete("x"); XCTFail("no reply queued") } catch {}
        let r = try XCTUnwrap(try s.calls().first)
        XCTAssertTrue(r.error?.contains("no reply left") == true, r.error ?? "")
        XCTAssertNil(r.output)
    }
}
