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
    }
}
