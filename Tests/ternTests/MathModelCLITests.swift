import Foundation
import XCTest

/// `--model gemma3-270m-math` on a fresh clone: the base plus the GRPO-trained adapter shipped in
/// the package. As a chat (its trained instruction as the default system message) it answers
/// arithmetic word problems worded unlike the generator's, reasoning inside <think> and giving
/// the number inside <answer>; and `tern experiment ttc --format tags` searches with it.
final class MathModelCLITests: XCTestCase {
    func testItSolvesWordProblemsInTheTagFormat() throws {
        let problems = [
            ("A baker made 24 muffins. She sold 9 in the morning and baked 6 more in the afternoon. How many muffins does she have?", 21),
            ("A farmer has 5 baskets with 7 eggs in each basket. He breaks 4 eggs. How many eggs are not broken?", 31),
            ("There were 18 birds on a wire. 11 flew away, then 5 more landed. How many birds are on the wire now?", 12),
            ("Tom reads 6 pages every day for 4 days, then reads 10 more pages. How many pages has he read?", 34),
            ("A shop had 40 pens. It sold 15 and then got a box of 12 new pens. How many pens does the shop have now?", 37),
        ]
        var right = 0
        for (question, answer) in problems {
            let o = try TernProcess.run(["chat", "--model", "gemma3-270m-math", "--temperature", "0", "-n", "128", "-t", "2", question],
                                        environment: ["TERN_NO_TRACE": "1"])
            XCTAssertEqual(o.status, 0, o.stderr)
            let text = o.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(text.hasPrefix("<think>") && text.contains("</think>") && text.hasSuffix("</answer>"), text)
            if text.hasSuffix("<answer>\(answer)</answer>") { right += 1 }
        }
        // Measured: 2 of these 5 right (the baker's and Tom's; the others slip one sum), near the
        // model's held-out rate (48%); the base model answers none in this format. One flipped
        // sum on another machine's arithmetic must not fail the suite, so at least one.
        XCTAssertGreaterThanOrEqual(right, 1, "greedy answers to five problems in new wording")
    }

    func testTTCSearchesInTheTagFormat() throws {
        let dir = temporaryPath("ttc-tags")
        let o = try TernProcess.run(["experiment", "ttc", "--model", "gemma3-270m-math", "--format", "tags", "--problems", "2",
                                     "--budgets", "2", "--out", dir], environment: ["TERN_NO_TRACE": "1"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/results.json"))) as! [String: Any]
        let rows = results["rows"] as! [[String: Any]]
        func accuracy(_ strategy: String) -> Double {
            let r = rows.first { $0["strategy"] as? String == strategy }!
            return Double(r["correct"] as! Int) / Double(r["total"] as! Int)
        }
        // The answers are read from <answer>: the policy's samples are right at least sometimes
        // (few-shot parsing would find no "Answer:" line in them and score every strategy 0).
        XCTAssertGreaterThan(accuracy("pass@N"), 0, "\(rows)")
        XCTAssertEqual((results["configuration"] as? [String: Any])?["maxIterations"] as? Int, 6)
    }
}
