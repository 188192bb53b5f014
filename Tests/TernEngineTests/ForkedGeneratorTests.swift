import Foundation
import XCTest
import TernEngine

/// Several continuations forked from one evaluation of the prompt, on the real model.
final class ForkedGeneratorTests: XCTestCase {
    /// llama.cpp's greedy continuation of the reference prompt (shared/reference greedy.jsonl);
    /// every step leads by ≥ 0.9 nats, so batched decoding must pick the same tokens.
    let prompt = "Question: What is 12 + 30?\nAnswer:"
    let llamaGreedy = [236743, 236770, 236778, 900, 236743, 236800, 236771, 578]

    func testEveryGreedyForkMatchesLlamaCpp() throws {
        let loaded = try DefaultModel.load()
        let session = Session(loaded, contextSize: 256)
        let ids = loaded.tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
        let results = try ForkedGenerator(session: session).generate(
            tokens: ids, options: (0..<3).map { _ in GenerationOptions(maxTokens: 8, sampling: .greedy) })
        XCTAssertEqual(results.map(\.ids), [llamaGreedy, llamaGreedy, llamaGreedy])
        XCTAssertEqual(results.map(\.finishReason), [.length, .length, .length])
    }

    func testSeededForksDifferAndReproduceSingleSequenceSamplingStreams() throws {
        let loaded = try DefaultModel.load()
        let session = Session(loaded, contextSize: 256)
        let ids = loaded.tokenizer.encode("Once upon a time", addSpecial: true, parseSpecial: true)
        func options(_ seed: UInt64, stop: [String] = []) -> GenerationOptions {
            GenerationOptions(maxTokens: 12, stop: stop, sampling: SamplingParameters(temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: seed))
        }
        let forked = try ForkedGenerator(session: session).generate(tokens: ids, options: [options(1), options(2), options(3)])
        XCTAssertEqual(Set(forked.map(\.ids)).count, 3, "different seeds give different continuations")
        let again = try ForkedGenerator(session: session).generate(tokens: ids, options: [options(1), options(2), options(3)])
        XCTAssertEqual(again.map(\.ids), forked.map(\.ids), "same seeds, same continuations")
        // Each fork's first token comes from the prompt's own logits, as a single sequence's does.
        let single = try Generator(session: session).generate(tokens: ids, options: options(2))
        XCTAssertEqual(single.ids.first, forked[1].ids.first)
    }

    /// Forks read a long prompt from the session's cache in place (attention over the shared
    /// prompt and each fork's own rows, merged): their greedy text is the single sequence's.
    func testForksOnALongPromptMatchTheSingleSequence() throws {
        let loaded = try DefaultModel.load()
        let session = Session(loaded, contextSize: 1024)
        let text = (1...12).map { "Problem \($0): Tom has \($0 + 3) apples and buys \($0 * 2) more. How many apples does he have?\nAnswer: \(3 * $0 + 3)\n" }.joined()
        let ids = loaded.tokenizer.encode(text + "Problem 13: Tom has 16 apples and buys 26 more. How many apples does he have?\nAnswer:",
                                          addSpecial: true, parseSpecial: true)
        XCTAssertGreaterThan(ids.count, 300)
        let single = try Generator(session: Session(loaded, contextSize: 1024)).generate(tokens: ids, options: GenerationOptions(maxTokens: 24, sampling: .greedy))
        let forked = try ForkedGenerator(session: session).generate(tokens: ids, options: Array(repeating: GenerationOptions(maxTokens: 24, sampling: .greedy), count: 3))
        for f in forked { XCTAssertEqual(f.ids, single.ids) }
    }

    func testForksStopOnTheirOwn() throws {
        let loaded = try DefaultModel.load()
        let session = Session(loaded, contextSize: 256)
        let ids = loaded.tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
        // llama.cpp's greedy text is " 12 + 30 =": one fork stops at "+", the other runs to its limit.
        let results = try ForkedGenerator(session: session).generate(tokens: ids, options: [
            GenerationOptions(maxTokens: 8, stop: ["+"], sampling: .greedy),
            GenerationOptions(maxTokens: 5, sampling: .greedy),
        ])
        XCTAssertEqual(results[0].text, " 12 ")
        XCTAssertEqual(results[0].finishReason, .stop)
        XCTAssertEqual(results[1].ids, Array(llamaGreedy.prefix(5)))
        XCTAssertEqual(results[1].finishReason, .length)
    }

    func testACachedPromptPrefixGivesTheSameTokensAsAFreshSession() throws {
        let loaded = try DefaultModel.load()
        let shared = Session(loaded, contextSize: 256)
        let tokenizer = loaded.tokenizer
        let first = tokenizer.encode("The history of the city begins", addSpecial: true, parseSpecial: true)
        let second = tokenizer.encode("The history of the city begins with a small port", addSpecial: true, parseSpecial: true)
        XCTAssertEqual(Array(second.prefix(first.count)), first)
        let earlier = try Generator(session: shared).generate(tokens: first, options: GenerationOptions(maxTokens: 4, sampling: .greedy))
        let cached = try Generator(session: shared).generate(tokens: second, options: GenerationOptions(maxTokens: 12, sampling: .greedy))
        let fresh = try Generator(session: Session(loaded, contextSize: 256))
            .generate(tokens: second, options: GenerationOptions(maxTokens: 12, sampling: .greedy))
        // Everything the session holds that the new prompt starts with is reused: the first prompt,
        // and its generated tokens as far as they agree with the new prompt.
        let held = first + earlier.ids
        var common = 0
        while common < min(held.count, second.count - 1) && held[common] == second[common] { common += 1 }
        XCTAssertGreaterThanOrEqual(common, first.count)
        XCTAssertEqual(cached.reusedPromptTokens, common)
        XCTAssertEqual(fresh.reusedPromptTokens, 0)
        XCTAssertEqual(cached.ids, fresh.ids)
    }
}
