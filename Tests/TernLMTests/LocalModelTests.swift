import Foundation
import TernEngine
import TernStore
import XCTest
import TernLM

/// LocalModel on the real default model.
final class LocalModelTests: XCTestCase {
    nonisolated(unsafe) private static var shared: LocalModel?

    private func model() throws -> LocalModel {
        if let m = Self.shared { return m }
        let loaded = try LoadedModel(path: ModelStore().resolve(ModelStore.defaultModelName), threads: 2)
        let m = try LocalModel(loaded: loaded, name: "gemma3-270m", contextSize: 1024)
        Self.shared = m
        return m
    }

    func testBOSIsNeverDoubled() throws {
        let m = try model()
        let bos = try XCTUnwrap(m.loaded.tokenizer.bos)
        for prompt in [Prompt.text("Hi"), .text("<bos>Hi"), .chat([.user("Hi")])] {
            let (ids, text) = try m.promptTokens(prompt)
            XCTAssertEqual(ids.first, bos, "\(prompt)")
            XCTAssertEqual(ids.filter { $0 == bos }.count, 1, "\(prompt): \(ids)")
            XCTAssertTrue(text.hasPrefix("<bos>") && !text.hasPrefix("<bos><bos>"), text)
        }
        XCTAssertEqual(try m.promptTokens(.chat([.user("Hi")])).text, "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")
    }

    /// llama.cpp's greedy continuation (shared/reference greedy.jsonl), and scoring it gives the same
    /// log-probabilities that generating it reported.
    func testGreedyCompletionAndScoreAgree() async throws {
        let m = try model()
        let prompt = Prompt.text("Question: What is 12 + 30?\nAnswer:")
        let c = try await m.complete(CompletionRequest(prompt, parameters: GenerationParameters(temperature: 0, maxTokens: 8, logprobs: true, topLogprobs: 3)))
        XCTAssertEqual(c.text, " 12 + 30 =")
        XCTAssertEqual(c.choices[0].tokenIDs, [236743, 236770, 236778, 900, 236743, 236800, 236771, 578])
        XCTAssertEqual(c.usage.completionTokens, 8)
        XCTAssertEqual(c.choices[0].finishReason, .length)
        let generated = try XCTUnwrap(c.choices[0].logprobs)
        XCTAssertEqual(generated.compactMap(\.id), c.choices[0].tokenIDs)
        for t in generated { XCTAssertEqual(t.top.first?.id, t.id, "greedy picks the top token") }
        XCTAssertNotNil(c.latency.timeToFirstToken)
        XCTAssertLessThanOrEqual(c.latency.timeToFirstToken ?? 99, c.latency.seconds)

        let s = try await m.score(prompt, continuation: c.text)
        XCTAssertEqual(s.tokens.compactMap(\.id), c.choices[0].tokenIDs)
        for (a, b) in zip(s.tokens, generated) { XCTAssertEqual(a.logprob, b.logprob, accuracy: 1e-6) }
    }

    func testChoicesForkFromOnePrefillAndThePromptIsCached() async throws {
        let m = try model()
        let request = CompletionRequest(.text("Once upon a time, in a quiet village by the sea,"),
                                        parameters: GenerationParameters(temperature: 1.2, seed: 5, maxTokens: 6, n: 4))
        let before = m.prefilledTokens
        let c = try await m.complete(request)
        XCTAssertEqual(c.choices.count, 4)
        let first = m.prefilledTokens - before
        XCTAssertGreaterThan(first, 0)
        XCTAssertLessThanOrEqual(first, c.usage.promptTokens, "the prompt is evaluated once for 4 choices")
        XCTAssertGreaterThan(Set(c.choices.map(\.text)).count, 1)
        XCTAssertEqual(c.usage.completionTokens, c.choices.reduce(0) { $0 + ($1.tokenIDs?.count ?? 0) })
        // The same prompt again: all but its last token are still cached.
        let again = try await m.complete(request)
        XCTAssertEqual(m.prefilledTokens - before - first, 1)
        XCTAssertEqual(again.choices.map(\.text), c.choices.map(\.text), "same seeds, same answers, cached or not")
    }

    func testStreamConcatenatesToTheCompletion() async throws {
        let m = try model()
        let request = CompletionRequest(.chat([.user("Name three colors.")]), parameters: GenerationParameters(temperature: 0, maxTokens: 12))
        var text = "", done: Completion?
        for try await chunk in m.stream(request) {
            switch chunk {
            case .text(_, let t, _): text += t
            case .done(let c): done = c
            }
        }
        let c = try await m.complete(request)
        XCTAssertEqual(text, c.text)
        XCTAssertEqual(done?.text, c.text)
    }

    /// Cancelling the calling task stops the generation at the next token.
    func testCancellingStopsGeneration() async throws {
        let m = try model()
        let task = Task {
            try await m.complete(CompletionRequest(.text("Once upon a time"), parameters: GenerationParameters(temperature: 0, maxTokens: 900)))
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let started = Date()
        task.cancel()
        let c = try await task.value
        XCTAssertEqual(c.choices[0].finishReason, .cancelled)
        XCTAssertLessThan(c.usage.completionTokens, 900)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1, "stopped within a token or two")
    }

    /// Requests are answered in the order they arrive, and a full queue refuses at once.
    func testRequestsAreServedInArrivalOrderAndTheQueueLimitRefuses() async throws {
        let base = try model()
        let m = try LocalModel(loaded: base.loaded, name: "q", contextSize: 256, maxQueue: 3)
        let order = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<3 {
                group.addTask {
                    _ = try await m.complete(CompletionRequest(.text("Count: \(i)"), parameters: GenerationParameters(temperature: 0, maxTokens: 6)))
                    order.append(i)
                }
                try await Task.sleep(nanoseconds: 20_000_000)  // arrive in order
            }
            do {
                _ = try await m.complete("too many", parameters: GenerationParameters(maxTokens: 1))
                XCTFail("a fourth waiting request should be refused")
            } catch LMError.overloaded {}
            try await group.waitForAll()
        }
        XCTAssertEqual(order.values, [0, 1, 2])
    }

    func testPromptLongerThanContextIsAClearError() async throws {
        let base = try model()
        let m = try LocalModel(loaded: base.loaded, name: "small", contextSize: 16)
        do {
            _ = try await m.complete(String(repeating: "word ", count: 50))
            XCTFail("expected promptTooLong")
        } catch let LMError.promptTooLong(tokens, context) {
            XCTAssertEqual(context, 16)
            XCTAssertGreaterThan(tokens, 16)
        }
    }

    func testEmbeddingsAreUnitVectorsThatTellTextsApart() async throws {
        let v = try await model().embed(["The cat sat on the mat.", "The cat sat on the mat.", "Quarterly revenue grew 4%."])
        XCTAssertEqual(v.count, 3)
        for e in v { XCTAssertEqual(e.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4) }
        XCTAssertEqual(v[0], v[1])
        XCTAssertNotEqual(v[0], v[2])
    }
}

final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func append(_ i: Int) { lock.withLock { items.append(i) } }
    var values: [Int] { lock.withLock { items } }
}
