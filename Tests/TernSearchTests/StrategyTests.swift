import Foundation
import XCTest
import TernLM
import TernSearch

/// A scorer whose scores are fixed by the text of each step: "…score=0.7…" scores 0.7.
struct ScriptedScorer: Scorer {
    func stepScores(problem: String, steps: [String], context: SearchContext) async throws -> [Double] {
        steps.map { step in
            guard let r = step.range(of: "score=") else { return 0 }
            return Double(step[r.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
        }
    }
}

/// Each strategy on scripted models and scorers whose right selection is known by construction.
final class StrategyTests: XCTestCase {
    func testAggregations() {
        XCTAssertEqual(Aggregation.last.combine([0.9, 0.5, 0.8]), 0.8)
        XCTAssertEqual(Aggregation.min.combine([0.9, 0.5, 0.8]), 0.5)
        XCTAssertEqual(Aggregation.prod.combine([0.9, 0.5, 0.8]), 0.36, accuracy: 1e-12)
        XCTAssertEqual(Aggregation.prod.combine([]), 0)
    }

    func testWeightedBestOfNPrefersTheHighestSummedAnswer() async throws {
        // A alone scores 0.9; B twice scores 0.5 + 0.5 = 1.0.
        let replies = ["score=0.9 Answer: A", "score=0.5 Answer: B", "score=0.5 Answer: B"]
        let best = try await BestOfN(n: 3, scorer: ScriptedScorer())
            .run(problem: "p", prompt: .text("Q"), context: SearchContext(lm: ScriptedModel(replies: replies)))
        XCTAssertEqual(best.best.answer, "a")
        let weighted = try await WeightedBestOfN(n: 3, scorer: ScriptedScorer())
            .run(problem: "p", prompt: .text("Q"), context: SearchContext(lm: ScriptedModel(replies: replies)))
        XCTAssertEqual(weighted.best.answer, "b")
        XCTAssertEqual(weighted.candidates.map(\.score), [0.9, 0.5, 0.5])
        XCTAssertEqual(weighted.spend.calls, 1, "the N samples come from one request (the local engine forks them)")
    }

    func testMajorityVoteAndAnswerCanonicalForm() async throws {
        let model = ScriptedModel(replies: ["Answer: 1,000", "Answer: 7", "Answer: 1000.0"])
        let r = try await MajorityVote(n: 3).run(problem: "p", prompt: .text("Q"), context: SearchContext(lm: model))
        XCTAssertEqual(r.best.answer, "1000")
        XCTAssertEqual(model.requests.map(\.parameters.n), [3])
    }

    func testBeamSearchKeepsNOverMBeamsPerStep() async throws {
        // Step 1: four first steps scored 0.1…0.4; the best two (0.4, 0.3) are kept and each
        // expanded into two; the expansions of the 0.4 beam finish (no delimiter).
        let model = ScriptedModel { request in
            guard case .text(let p) = request.prompt else { return nil }
            if p == "Q:" { return nil }
            if p.hasSuffix("s4 score=0.4\n\n") { return "done score=0.9 Answer: 4" }
            if p.hasSuffix("s3 score=0.3\n\n") { return "more score=0.2\n\n" }
            return "unexpected expansion of \(p)"
        }
        model.enqueue(["s1 score=0.1\n\n", "s2 score=0.2\n\n", "s3 score=0.3\n\n", "s4 score=0.4\n\n"])
        let beam = BeamSearch(n: 4, width: 2, maxIterations: 2, scorer: ScriptedScorer())
        XCTAssertEqual(beam.keep, 2)
        let r = try await beam.run(problem: "p", prompt: .text("Q:"), context: SearchContext(lm: model))
        let prompts = model.requests.map { r -> String in if case .text(let t) = r.prompt { return t }; return "" }
        XCTAssertEqual(prompts, ["Q:", "Q:s4 score=0.4\n\n", "Q:s3 score=0.3\n\n"], "only the best two beams are expanded")
        XCTAssertEqual(model.requests.map(\.parameters.n), [4, 2, 2])
        XCTAssertEqual(model.requests.map(\.parameters.stop), [["\n\n"], ["\n\n"], ["\n\n"]])
        XCTAssertEqual(r.best.text, "s4 score=0.4\n\ndone score=0.9 Answer: 4")
        XCTAssertEqual(r.best.stepScores, [0.4, 0.9])
        XCTAssertTrue(r.best.complete)
        XCTAssertEqual(r.candidates.count, 8)
    }

    func testDVTSSubtreesStayIndependent() async throws {
        // Two subtrees of width 2. Each subtree's requests extend only its own chosen node.
        let counter = Counter()
        let model = ScriptedModel { request in
            guard case .text(let p) = request.prompt else { return nil }
            let k = counter.next()
            return p == "Q:" ? "root\(k) score=0.\(k)\n\n" : "leaf\(k) score=0.\(k) Answer: \(k)"
        }
        let dvts = DVTS(n: 4, width: 2, maxIterations: 3, scorer: ScriptedScorer())
        XCTAssertEqual(dvts.subtrees, 2)
        let r = try await dvts.run(problem: "p", prompt: .text("Q:"), context: SearchContext(lm: model))
        let prompts = model.requests.map { r -> String in if case .text(let t) = r.prompt { return t }; return "" }
        // Iteration 0 expands both roots (one batch): subtree 0 gets 1, 2, subtree 1 gets 3, 4.
        // Iteration 1: subtree 0 expands only its best child (root2), subtree 1 only root4.
        XCTAssertEqual(prompts, ["Q:", "Q:", "Q:root2 score=0.2\n\n", "Q:root4 score=0.4\n\n"])
        XCTAssertEqual(Set(model.requests.map(\.rolloutID)).count, 4)
        XCTAssertEqual(r.best.text, "root4 score=0.4\n\nleaf8 score=0.8 Answer: 8")
        XCTAssertEqual(r.candidates.count, 8)
    }

    func testBudgetStopsTheSearch() async throws {
        // One request for the first steps, then one per kept beam (2) each iteration: the third
        // iteration's two would pass the limit of 4, so they are never sent.
        let model = ScriptedModel { _ in "step score=0.5\n\n" }
        let ctx = SearchContext(lm: model, budget: SearchBudget(maxCalls: 4))
        do {
            _ = try await BeamSearch(n: 2, width: 1, maxIterations: 10, scorer: ScriptedScorer()).run(problem: "p", prompt: .text("Q"), context: ctx)
            XCTFail("expected the budget to stop it")
        } catch let e as SearchError {
            XCTAssertEqual(e, .overBudget("4 calls allowed, 3 spent, 2 more asked for"))
        }
        XCTAssertEqual(model.requests.count, 3)
    }

    func testCandidatesAreTraced() async throws {
        let store = try TraceStore(path: NSTemporaryDirectory() + "search-\(UUID()).sqlite")
        let model = TracedModel(ScriptedModel(replies: ["score=0.9 Answer: A", "score=0.5 Answer: B"]), store: store)
        _ = try await BestOfN(n: 2, scorer: ScriptedScorer()).run(problem: "p", prompt: .text("Q"), context: SearchContext(lm: model))
        let span = try XCTUnwrap(store.spans(under: nil).first)
        let attributes = try JSONDecoder().decode([String: JSONValue].self, from: Data(try XCTUnwrap(span.attributes).utf8))
        XCTAssertEqual(attributes["strategy"], "best-of-2")
        XCTAssertEqual(attributes["candidates"]?.array?.count, 2)
        XCTAssertEqual(attributes["chosen"]?["answer"], "a")
        XCTAssertEqual(try store.calls(under: span.spanID).count, 1)
    }

    func testExtractors() {
        XCTAssertEqual(AnswerExtractor.boxed("so \\boxed{\\frac{1}{2}} and \\boxed{42}"), "42")
        XCTAssertEqual(AnswerExtractor.boxed("\\boxed{\\frac{1}{2}}"), "\\frac{1}{2}")
        XCTAssertEqual(AnswerExtractor.answerLine("work\nAnswer: 12.\nmore"), "12")
        XCTAssertNil(AnswerExtractor.answerLine("no answer here"))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.withLock { n += 1; return n } }
}
