import Foundation
import TernStore
import XCTest
import TernLM
import TernSearch

/// Step-wise search on the real default model: the prompt is evaluated once per search, not once
/// per candidate, and forking changes only the cost, never the samples.
final class LocalSearchTests: XCTestCase {
    nonisolated(unsafe) private static var loaded: LocalModel?

    private func model(promptCache: Bool = true) throws -> LocalModel {
        let base: LocalModel
        if let m = Self.loaded { base = m } else {
            base = try LocalModel(path: ModelStore().resolve(ModelStore.defaultModelName), name: "gemma3-270m", threads: 2, contextSize: 1024)
            Self.loaded = base
        }
        // A fresh instance on the same weights: its own KV cache and counters.
        return try LocalModel(loaded: base.loaded, name: "gemma3-270m", contextSize: 1024, promptCache: promptCache)
    }

    private let problem = ArithmeticProblems.generate(count: 1, seed: 3)[0]

    private var promptTokens: Int {
        get throws { try model().promptTokens(.text(ArithmeticProblems.prompt(for: problem))).ids.count }
    }

    /// Runs the strategy `make` builds around a PRM (its own judge instance) on a fresh policy;
    /// `forks: false` is naive repetition: one request per sample and no prompt cache.
    private func search(forks: Bool = true, _ make: (ProcessRewardModel) -> any SearchStrategy) async throws -> (SearchResult, LocalModel) {
        let policy = try model(promptCache: forks), judge = try model()
        let strategy = make(ProcessRewardModel(lm: judge, preamble: TTCExperiment.prmPreamble))
        let parameters = GenerationParameters(temperature: 0.8, seed: 11, maxTokens: 48, stop: ["\n\n"])
        let r = try await strategy.run(problem: problem.question, prompt: .text(ArithmeticProblems.prompt(for: problem)),
                                       context: SearchContext(lm: policy, parameters: parameters, forks: forks))
        return (r, policy)
    }

    func testBeamSearchEvaluatesThePromptOnce() async throws {
        let beam = { BeamSearch(n: 8, width: 4, maxIterations: 3, delimiter: "\n", stepTokens: 16, scorer: $0) as any SearchStrategy }
        let (r, policy) = try await search(beam)
        let promptTokens = try self.promptTokens
        let requests = r.spend.calls - r.candidates.count  // every candidate was scored by one judge call
        XCTAssertGreaterThanOrEqual(requests, 3, "the search took several steps")
        // The prompt once, then only the steps each batch adds after it: never the prompt again.
        XCTAssertGreaterThanOrEqual(policy.prefilledTokens, promptTokens)
        XCTAssertLessThan(policy.prefilledTokens, promptTokens + r.spend.generatedTokens + 8 * requests,
                          "a candidate re-evaluated the prompt (\(policy.prefilledTokens) tokens for a \(promptTokens)-token prompt)")

        // Naive repetition draws the same samples and pays for the prompt on every one of them.
        let (naive, naivePolicy) = try await search(forks: false, beam)
        XCTAssertEqual(naive.candidates.map(\.text), r.candidates.map(\.text), "forking changes the cost, not the samples")
        XCTAssertGreaterThanOrEqual(naivePolicy.prefilledTokens, promptTokens * naive.candidates.count)
    }

    func testDVTSSubtreesShareThePrompt() async throws {
        let (r, policy) = try await search { DVTS(n: 8, width: 4, maxIterations: 3, delimiter: "\n", stepTokens: 16, scorer: $0) }
        XCTAssertEqual(r.leaves.count, 2)
        XCTAssertLessThan(policy.prefilledTokens, try promptTokens + r.spend.generatedTokens + 16 * 3)
        // Two subtrees started from the same prompt drew different first steps (seeds named after them).
        let firstSteps = Set(r.candidates.prefix(8).map { $0.steps[0] })
        XCTAssertGreaterThan(firstSteps.count, 1)
    }
}
