import Foundation
import XCTest
import TernEnsembles
import TernLM

/// LLM-as-judge with scripted judges whose preferences are known: one that reads the content,
/// one that always picks the first answer shown (pure position bias), one that answers nothing.
final class JudgeTests: XCTestCase {
    /// The answer shown in slot `slot` ("A" or "B") of a pairwise prompt.
    static func shown(_ prompt: String, _ slot: String) -> String {
        let parts = prompt.components(separatedBy: "[Assistant \(slot)'s answer]\n")
        return parts.count > 1 ? String(parts[1].prefix { $0 != "\n" }) : ""
    }

    func testContentJudgeIsConsistentAcrossOrders() async throws {
        // Prefers the answer "4" wherever it is shown.
        let judge = ScriptedModel(name: "judge") { r in
            let p = r.prompt.messages[0].content
            return Self.shown(p, "A") == "4" ? "A is right.\n[[A]]" : Self.shown(p, "B") == "4" ? "B is right. [[B]]" : "[[C]]"
        }
        let j = try await PairwiseJudge(model: judge).compare(question: "2 + 2?", a: "5", b: "4")
        XCTAssertEqual(j.verdict, .b)
        XCTAssertEqual(j.inOrder, .b)
        XCTAssertEqual(j.swapped, .b, "swapped, the judge picked slot A, which held answer B")
        XCTAssertTrue(j.consistent)
        // The two requests show the answers in both orders.
        let prompts = judge.requests.map { $0.prompt.messages[0].content }
        XCTAssertEqual(prompts.map { Self.shown($0, "A") }, ["5", "4"])
        XCTAssertEqual(prompts.map { Self.shown($0, "B") }, ["4", "5"])
    }

    func testPositionBiasedJudgeGivesTiesAndIsMeasured() async throws {
        let firstPicker = ScriptedModel(name: "first") { _ in "The first one. [[A]]" }
        let judge = PairwiseJudge(model: firstPicker)
        var judgments: [PairwiseJudge.Judgment] = []
        for (a, b) in [("4", "5"), ("5", "4"), ("x", "y")] {
            let j = try await judge.compare(question: "q", a: a, b: b)
            XCTAssertEqual(j.verdict, .tie, "a verdict that flips with the order does not count")
            XCTAssertFalse(j.consistent)
            judgments.append(j)
        }
        let bias = PositionBias(judgments)
        XCTAssertEqual(bias.decided, 3)
        XCTAssertEqual(bias.flips, 3)
        XCTAssertEqual(bias.flipRate, 1)
        XCTAssertEqual(bias.firstShown, 1)

        // Mixed: one consistent comparison, one flip, one with an unreadable answer.
        let consistent = PairwiseJudge.Judgment(verdict: .a, inOrder: .a, swapped: .a, explanations: [])
        let flipped = PairwiseJudge.Judgment(verdict: .tie, inOrder: .a, swapped: .b, explanations: [])
        let unread = PairwiseJudge.Judgment(verdict: .tie, inOrder: nil, swapped: .b, explanations: [])
        let mixed = PositionBias([consistent, flipped, unread])
        XCTAssertEqual(mixed.decided, 2)
        XCTAssertEqual(mixed.flips, 1)
        // Picks: consistent A (first shown), then A shown second; flipped: A (first), B (first when swapped); unread: B (first).
        XCTAssertEqual(mixed.firstShown, 4.0 / 5.0)
    }

    func testLikelihoodJudgeReadsTheTwoLetters() async throws {
        // Log-probabilities of " A" / " B" that favour the slot holding "4", whichever slot that is.
        let reader = ScriptedModel(name: "reader", scoreRule: { prompt, letter in
            let text = prompt.messages[0].content
            XCTAssertTrue(text.hasSuffix("The better answer is Assistant"))
            return Self.shown(text, letter == " A" ? "A" : "B") == "4" ? -0.2 : -2.5
        })
        let j = try await PairwiseJudge(model: reader, mode: .likelihood).compare(question: "2 + 2?", a: "5", b: "4")
        XCTAssertEqual(j.verdict, .b)
        XCTAssertEqual(j.inOrder, .b)
        XCTAssertEqual(j.swapped, .b)
        XCTAssertEqual(j.explanations[0], "log P(A) - log P(B) = -2.300")

        // " A" always likelier: every verdict follows the position, so every comparison is a tie.
        let first = ScriptedModel(name: "first", scoreRule: { _, letter in letter == " A" ? -0.5 : -1.5 })
        var judgments: [PairwiseJudge.Judgment] = []
        for (a, b) in [("4", "5"), ("5", "4")] {
            judgments.append(try await PairwiseJudge(model: first, mode: .likelihood).compare(question: "2 + 2?", a: a, b: b))
        }
        XCTAssertEqual(judgments.map(\.verdict), [.tie, .tie])
        XCTAssertEqual(PositionBias(judgments).flipRate, 1)
        XCTAssertEqual(PositionBias(judgments).firstShown, 1)
    }

    func testLikelihoodGradeIsTheExpectedScore() async throws {
        // P(" 6") = P(" 8") = 1/2 and every other score e^-50: the expected score is 7.00.
        let judge = ScriptedModel(name: "g", scoreRule: { prompt, score in
            XCTAssertTrue(prompt.messages[0].content.hasSuffix("[Answer]\n4\n\nScore (1 to 9):"))
            return score == " 6" || score == " 8" ? log(0.5) : -50
        })
        let g = try await RubricGrader(model: judge, rubric: "r", scale: 1...9, mode: .likelihood).grade(question: "2 + 2?", answer: "4")
        XCTAssertEqual(g.score, 7)
        XCTAssertEqual(g.expected ?? 0, 7, accuracy: 1e-9)
        XCTAssertEqual(g.reason, "expected score 7.00 under the judge's probabilities")
        do {
            _ = try await RubricGrader(model: judge, rubric: "r", scale: 1...10, mode: .likelihood).grade(question: "q", answer: "a")
            XCTFail("\" 10\" would overlap \" 1\"")
        } catch LMError.invalidRequest(let why) {
            XCTAssertTrue(why.contains("single-digit"))
        }
    }

    func testReportCountsVerdictsAgainstTheLabels() {
        typealias J = PairwiseJudge.Judgment
        let pairs = (0..<4).map { JudgePair(question: "q\($0)", a: "x", b: "y", better: $0 < 3 ? .a : .b) }
        let judgments = [J(verdict: .a, inOrder: .a, swapped: .a, explanations: []),    // right
                         J(verdict: .b, inOrder: .b, swapped: .b, explanations: []),    // wrong
                         J(verdict: .tie, inOrder: .a, swapped: .b, explanations: []),  // flip
                         J(verdict: .tie, inOrder: nil, swapped: .b, explanations: [])] // one order unread
        let r = JudgeReport(model: "m", mode: .likelihood, pairs: pairs, judgments: judgments)
        XCTAssertEqual([r.right, r.wrong, r.ties], [1, 1, 2])
        XCTAssertEqual([r.bias.decided, r.bias.flips], [3, 1])
        // Single picks: a✓ a✓ | b✗ b✗ | a✓ b✗ | b✓ (pair 4 prefers b): 4 of 7.
        XCTAssertEqual(r.singleOrderAccuracy, 4.0 / 7.0, accuracy: 1e-12)
        XCTAssertTrue(r.table().contains("| m | likelihood | 4 | 33% (1/3) |"), r.table())
    }

    func testUnparseableVerdictIsATie() async throws {
        let mute = ScriptedModel(name: "mute") { _ in "I cannot decide." }
        let j = try await PairwiseJudge(model: mute).compare(question: "q", a: "1", b: "2")
        XCTAssertEqual(j.verdict, .tie)
        XCTAssertNil(j.inOrder)
        XCTAssertEqual(PositionBias([j]).decided, 0)
    }

    func testVerdictIsTheLastMark() {
        XCTAssertEqual(PairwiseJudge.parse("Not [[A]] but rather [[B]]."), .b)
        XCTAssertEqual(PairwiseJudge.parse("tie: [[C]]"), .tie)
        XCTAssertNil(PairwiseJudge.parse("[[D]]"))
    }

    func testRubricGradeParsesTextAndJSON() async throws {
        let text = ScriptedModel(name: "grader") { _ in "Reason: correct and complete.\nScore: 9" }
        let g = try await RubricGrader(model: text, rubric: "Is it correct?").grade(question: "2 + 2?", answer: "4")
        XCTAssertEqual(g, .init(score: 9, reason: "correct and complete."))
        XCTAssertTrue(text.requests[0].prompt.messages[0].content.contains("[Rubric]\nIs it correct?"))
        XCTAssertNil(text.requests[0].parameters.responseFormat, "no schema for a backend that cannot enforce one")

        let json = ScriptedModel(name: "json", capabilities: .jsonSchema) { _ in #"{"reason": "off by one", "score": 2}"# }
        let j = try await RubricGrader(model: json, rubric: "r", scale: 1...5).grade(question: "q", answer: "a")
        XCTAssertEqual(j, .init(score: 2, reason: "off by one"))
        guard case .jsonSchema(_, let schema) = json.requests[0].parameters.responseFormat else { return XCTFail("schema asked for") }
        // The grammar the local engine decodes under admits exactly the scale's scores.
        let grammar = try JSONGrammar(schema: schema)
        func admits(_ text: String) -> Bool { JSONMatcher(grammar: grammar).advanced(by: Array(text.utf8))?.isComplete == true }
        XCTAssertTrue(admits(#"{"reason": "ok", "score": 5}"#))
        XCTAssertFalse(admits(#"{"reason": "ok", "score": 6}"#))
        XCTAssertFalse(admits(#"{"reason": "ok", "score": 1000000000000000}"#))
        XCTAssertFalse(admits(#"{"reason": "\#(String(repeating: "x", count: 201))", "score": 5}"#), "the reason is capped")

        let outOfScale = ScriptedModel(name: "wild") { _ in "Score: 11" }
        do {
            _ = try await RubricGrader(model: outOfScale, rubric: "r").grade(question: "q", answer: "a")
            XCTFail("a score outside 1–10 is no grade")
        } catch {
            XCTAssertTrue("\(error)".contains("no score in 1–10"), "\(error)")
        }
    }
}
