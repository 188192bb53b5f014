import Foundation
import XCTest

/// `tern judge` and `tern experiment moa` on the real default model.
final class JudgeMoACLITests: XCTestCase {
    func testJudgeBiasWritesAConsistentReport() throws {
        let out = temporaryPath("judge")
        let o = try TernProcess.run(["judge", "bias", "--arithmetic", "4", "-t", "1", "--out", out])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.contains("| gemma3-270m | likelihood | 4 |"), o.stdout)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json"))) as? [String: Any])
        let judgments = try XCTUnwrap(report["judgments"] as? [[String: Any]])
        XCTAssertEqual(judgments.count, 4)
        var flips = 0
        for j in judgments {
            let inOrder = try XCTUnwrap(j["inOrder"] as? String), swapped = try XCTUnwrap(j["swapped"] as? String)
            XCTAssertEqual(j["verdict"] as? String, inOrder == swapped ? inOrder : "tie", "a verdict counts only when both orders agree")
            flips += inOrder == swapped ? 0 : 1
            XCTAssertEqual((j["explanations"] as? [String])?.count, 2)
        }
        let bias = try XCTUnwrap(report["bias"] as? [String: Any])
        XCTAssertEqual(bias["decided"] as? Int, 4, "likelihood always picks a letter")
        XCTAssertEqual(bias["flips"] as? Int, flips)
        XCTAssertEqual((report["right"] as! Int) + (report["wrong"] as! Int) + (report["ties"] as! Int), 4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/table.md"))

        let bad = temporaryPath("pairs.jsonl")
        try "{\"question\": \"q\", \"a\": \"x\"}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        assertOneLineError(try TernProcess.run(["judge", "bias", "--pairs", bad, "--out", temporaryPath("x")]), "pairs.jsonl:1 is not a pair")
    }

    /// The first two problems of the committed run (seed 1), again: the same questions and the
    /// same greedy answers, and one layer of two proposals each.
    func testExperimentMoAReproducesTheCommittedGreedyAnswers() throws {
        let out = temporaryPath("moa")
        let o = try TernProcess.run(["experiment", "moa", "--problems", "2", "--proposers", "2", "-t", "1", "--out", out])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.contains("| **self-MoA**: 1 layer(s) of 2 proposers, greedy aggregator |"), o.stdout)
        func outcomes(_ path: String) throws -> [[String: Any]] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [[String: Any]])
        }
        let run = try outcomes(out + "/results.json")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try outcomes(root.appendingPathComponent("docs/experiments/moa/results.json").path)
        XCTAssertEqual(run.count, 2)
        for (r, c) in zip(run, committed) {
            XCTAssertEqual(r["question"] as? String, c["question"] as? String)
            XCTAssertEqual(r["greedy"] as? String, c["greedy"] as? String)
            XCTAssertEqual((r["proposals"] as? [[Any]])?.map(\.count), [2])
        }
    }
}
