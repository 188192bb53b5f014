import Foundation
import XCTest
@testable import TernEnsembles
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
        XCTAssertEqual(schema["properties"]?["score"]?["maximum"]?.number, 5)

        let outOfScale = ScriptedModel(name: "wild") { _ in "Score: 11" }
        do {
            _ = try await RubricGrader(model: outOfScale, rubric: "r").grade(question: "q", answer: "a")
            XCTFail("a score outside 1–10 is no grade")
        } catch {
            XCTAssertTrue("\(error)".contains("no score in 1–10"), "\(error)")
        }
    }
}
