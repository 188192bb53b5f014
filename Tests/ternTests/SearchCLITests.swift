import Foundation
import XCTest

/// `tern search`, `tern forks` and `tern experiment ttc` on the real default model.
final class SearchCLITests: XCTestCase {
    static let prompt = """
        Problem: Kim has 7 pears. She buys 5 more and gives away 4. How many pears does Kim have now?
        7 + 5 = 12.
        12 - 4 = 8.
        Answer: 8

        Problem: Sam has 9 shells. He buys 3 more and gives away 2. How many shells does Sam have now?

        """

    func testSearchForkedMatchesNaiveAndEvaluatesThePromptOnce() throws {
        let args = ["search", "--strategy", "beam", "-n", "4", "--width", "2", "--max-iterations", "3", "--delimiter", "\n",
                    "--step-tokens", "16", "--stop", "\n\n", "--json", Self.prompt]
        let forked = try TernProcess.run(args), naive = try TernProcess.run(args + ["--naive"])
        XCTAssertEqual(forked.status, 0, forked.stderr)
        XCTAssertEqual(naive.status, 0, naive.stderr)
        let f = try JSONSerialization.jsonObject(with: Data(forked.stdout.utf8)) as! [String: Any]
        let n = try JSONSerialization.jsonObject(with: Data(naive.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(f["text"] as? String, n["text"] as? String, "forking changes the cost, not the result")
        XCTAssertEqual(f["strategy"] as? String, "beam-search-4x2")
        let tokenized = try TernProcess.run(["tokenize", Self.prompt])
        let promptTokens = Double((try JSONSerialization.jsonObject(with: Data(tokenized.stdout.utf8)) as! [Int]).count)
        // Forked: the prompt once, then only the beams' own steps. Naive: the prompt for each of the
        // 4 + 2 + 2 sample requests at least.
        XCTAssertLessThan(f["prefilled_tokens"] as! Double, promptTokens + (f["generated_tokens"] as! Double) + 40)
        XCTAssertGreaterThan(n["prefilled_tokens"] as! Double, promptTokens * 8)
    }

    func testForksWritesJSONAndSVG() throws {
        let out = temporaryPath("forks")
        let o = try TernProcess.run(["forks", "--samples", "3", "--max-tokens", "6", "--slack", "4", "--out", out,
                                     "Question: What is 12 + 30?\nAnswer:"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.hasPrefix("base path: \" 12 + 3\""), o.stdout)  // llama.cpp's greedy " 12 + 30 =", 6 tokens
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".json"))) as! [String: Any]
        let report = json["report"] as! [String: Any]
        XCTAssertEqual((report["positions"] as! [Any]).count, 6)
        let svg = try String(contentsOfFile: out + ".svg", encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("polyline") && svg.contains("Entropy"), svg)
    }

    func testForksRejectsABadRegex() throws {
        assertOneLineError(try TernProcess.run(["forks", "--answer", "(", "x"]), "--answer is not a valid regular expression")
    }

    func testExperimentWritesTableResultsAndPlot() throws {
        let dir = temporaryPath("ttc")
        let o = try TernProcess.run(["experiment", "ttc", "--problems", "2", "--budgets", "1,2", "--out", dir])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.contains("| beam search (PRM) |"), o.stdout)
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/results.json"))) as! [String: Any]
        let rows = results["rows"] as! [[String: Any]]
        XCTAssertEqual(rows.count, 7 * 2, "seven rows at two N")
        // Two problems; the pool-mean row counts their samples (two each).
        XCTAssertTrue(rows.allSatisfy { ($0["total"] as? Int) == (($0["strategy"] as? String) == "one sample (pool mean)" ? 4 : 2) })
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/accuracy.svg"))
        XCTAssertTrue(try String(contentsOfFile: dir + "/table.md", encoding: .utf8).hasPrefix("Command: `tern experiment ttc"))
    }
}
