import XCTest
import TernEnsembles

/// Each verifier on responses that pass and fail it by construction.
final class ConstraintTests: XCTestCase {
    func testVerifiers() {
        let cases: [(Constraint, pass: [String], fail: [String])] = [
            (.maxWords(3), ["One two three.", "Hi!"], ["one two three four", "   "]),
            (.minWords(3), ["one, two, three"], ["one two"]),
            (.paragraphs(2), ["First.\n\nSecond.", "A\nstill A\n\n  \nB"], ["One only.", "A\n\nB\n\nC"]),
            (.includes("ocean"), ["The Ocean is deep."], ["Oceans are deep."]),
            (.excludes("very"), ["It is big."], ["It is Very big.", ""]),
            (.json, [#"{"a": 1}"#, "  {\"b\": [2]}\n"], ["[1, 2]", "{a: 1}", "Sure: {\"a\": 1}"]),
            (.lowercase, ["all small here."], ["Not all small.", "123"]),
            (.endsWith("Is there anything else?"), ["Done. Is there anything else?\n"], ["Is there anything else? Done."]),
            (.bullets(2), ["- one\n- two", "* a\n\n* b"], ["- one", "- one\ntwo", "- a\n- b\n- c"]),
        ]
        for (c, pass, fail) in cases {
            for r in pass { XCTAssertTrue(c.verify(r), "\(c) should accept \(r.debugDescription)") }
            for r in fail { XCTAssertFalse(c.verify(r), "\(c) should reject \(r.debugDescription)") }
            XCTAssertFalse(c.instruction.isEmpty)
        }
    }
}

/// Layout repairs: each meets its constraint, keeps the model's words, and content constraints
/// are never "repaired".
final class ConstraintRepairTests: XCTestCase {
    let text = "Bees make honey from nectar. They fan it with their wings!\n- It thickens in the comb. Then they cap it."

    func testEachLayoutRepairMeetsItsConstraint() throws {
        let layouts: [Constraint] = [.lowercase, .endsWith("That is all."), .json, .paragraphs(2), .bullets(3)]
        for c in layouts {
            let fixed = try XCTUnwrap(c.repair(text), "\(c)")
            XCTAssertTrue(c.verify(fixed), "\(c): \(fixed)")
            XCTAssertTrue(fixed.lowercased().contains("fan it with their wings"), "the model's words stay: \(fixed)")
        }
        XCTAssertEqual(Constraint.bullets(3).repair(text), "- Bees make honey from nectar.\n- They fan it with their wings!\n- It thickens in the comb.")
        XCTAssertEqual(Constraint.paragraphs(2).repair(text),
                       "Bees make honey from nectar. They fan it with their wings!\n\nIt thickens in the comb. Then they cap it.")
        XCTAssertEqual(Constraint.json.repair("Say \"hi\" now."), #"{"answer":"Say \"hi\" now."}"#)
        XCTAssertEqual(Constraint.endsWith("That is all.").repair("Done. That is all."), "Done. That is all.", "not added twice")
    }

    func testContentAndImpossibleLayoutsAreNotRepaired() {
        for c in [Constraint.maxWords(5), .minWords(50), .includes("pollen"), .excludes("honey")] { XCTAssertNil(c.repair(text), "\(c)") }
        XCTAssertNil(Constraint.bullets(3).repair("One sentence only."), "too few sentences for three bullets")
        XCTAssertNil(Constraint.lowercase.repair("  "))
    }

    func testCleanRejectsTranscriptLeaksRepeatsAndOpenQuotes() {
        XCTAssertTrue(Synthesizer.clean("Tea is made from leaves. It is drunk hot."))
        XCTAssertFalse(Synthesizer.clean("Tea is good.\nResponse: Tea is good."), "ran on into the transcript")
        XCTAssertFalse(Synthesizer.clean("Tea is good. Write everything in lowercase letters."), "restates a constraint")
        XCTAssertFalse(Synthesizer.clean("Tea comes from a plant. Tea comes from a plant."), "a repeated sentence")
        XCTAssertFalse(Synthesizer.clean("\"Tea is good."), "an open quote")
    }
}

final class InstructionPromptsTests: XCTestCase {
    func testPromptsAreSeededAndTheirConstraintsCompatible() {
        let a = InstructionPrompts(seed: 1), b = InstructionPrompts(seed: 2)
        let items = (0..<300).map(a.prompt)
        XCTAssertEqual(items, (0..<300).map(InstructionPrompts(seed: 1).prompt), "a pure function of seed and index")
        XCTAssertNotEqual(items, (0..<300).map(b.prompt))
        XCTAssertGreaterThan(Set(items.map(\.text)).count, 200, "varied")
        XCTAssertEqual(Set(items.flatMap(\.constraints).map(\.kind)).count, 9, "every kind of constraint occurs")
        XCTAssertTrue(items.contains { $0.constraints.count == 2 })
        for item in items {
            for c in item.constraints { XCTAssertTrue(item.text.contains(c.instruction)) }
            if item.constraints.count == 2 { XCTAssertTrue(InstructionPrompts.compatible(item.constraints[0], item.constraints[1]), item.text) }
        }
        // Held-out topics: prompts about none of the training topics.
        let held = (0..<100).map(InstructionPrompts(seed: 1, topics: InstructionPrompts.heldOutTopics).prompt)
        XCTAssertTrue(held.allSatisfy { p in InstructionPrompts.heldOutTopics.contains { p.text.contains($0) } })
        XCTAssertTrue(held.allSatisfy { p in !InstructionPrompts.topics.contains { p.text.contains($0) } })
    }
}
