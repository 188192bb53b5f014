import Foundation
import TernSearch
import XCTest

/// `tern train mix`: every line is a chat `tern train sft` reads; judged pairs come in both orders
/// with opposite verdicts; classification uses the ChatAdapter's layout; the evaluation problems
/// (seed 1) never appear.
final class TrainMixCLITests: XCTestCase {
    func testMixBuildsEveryKindFromKeptRecords() throws {
        let records = temporaryPath("instructions.jsonl"), out = temporaryPath("train.jsonl"), held = temporaryPath("eval.jsonl")
        let rows: [[String: Any]] = (0..<40).map { i in
            let topic = ["tea", "chess", "the moon", "trains"][i % 4]
            var r: [String: Any] = ["prompt": "Write a short note about \(topic). Write everything in lowercase letters.",
                                    "response": "\(topic) is item \(i). it is well known.", "constraints": ["Write everything in lowercase letters."]]
            if i % 5 == 0 { r["raw"] = "\(topic.capitalized) is item \(i). It is well known." }
            return r
        }
        try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }.joined(separator: "\n")
            .write(toFile: records, atomically: true, encoding: .utf8)
        let o = try TernProcess.run(["train", "mix", "--instructions", records, "--out", out, "--eval-out", held, "--eval-count", "10",
                                     "--two-turn", "5", "--classification", "12", "--arithmetic", "9", "--judge-arithmetic", "4",
                                     "--judge-instructions", "6"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let lines = try (String(contentsOfFile: out, encoding: .utf8) + String(contentsOfFile: held, encoding: .utf8)).split(separator: "\n")
        let objects = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(try String(contentsOfFile: held, encoding: .utf8).split(separator: "\n").count, 10)
        var bySource: [String: [[[String: String]]]] = [:]
        for obj in objects { bySource[obj["source"] as! String, default: []].append(obj["messages"] as! [[String: String]]) }
        let counts = bySource.mapValues(\.count)
        XCTAssertEqual((counts["instruction"] ?? 0) + (counts["instruction-system"] ?? 0), 40)
        XCTAssertEqual(counts["two-turn"], 5)
        XCTAssertEqual(counts["classification"], 12)
        XCTAssertEqual((counts["arithmetic"] ?? 0) + (counts["arithmetic-adapter"] ?? 0), 9)
        XCTAssertEqual(counts["judge"], 2 * (4 + 6))
        XCTAssertTrue(o.stdout.contains("judge"), o.stdout)
        for messages in objects.map({ $0["messages"] as! [[String: String]] }) {
            XCTAssertEqual(messages.last?["role"], "assistant")
        }
        // Judged pairs: each pair twice, in both orders, and both times the same answer wins.
        var winners: [String: [String]] = [:]
        for m in bySource["judge"]! {
            let prompt = m[0]["content"]!, reply = m[1]["content"]!
            let body = prompt.components(separatedBy: "[Assistant A's answer]\n")[1].components(separatedBy: "\n\n[Assistant B's answer]\n")
            let (a, b) = (body[0], body[1])
            XCTAssertTrue(reply.hasSuffix("[[A]]") || reply.hasSuffix("[[B]]"), reply)
            winners[prompt.components(separatedBy: "[Assistant A's answer]")[0] + [a, b].sorted().joined(separator: "|"), default: []]
                .append(reply.hasSuffix("[[A]]") ? a : b)
        }
        XCTAssertEqual(winners.count, 10)
        XCTAssertTrue(winners.values.allSatisfy { $0.count == 2 && $0[0] == $0[1] }, "\(winners)")
        // Classification: the ChatAdapter's layout, the label among the choices offered.
        for m in bySource["classification"]! {
            let reply = m.last!["content"]!
            XCTAssertTrue(reply.hasPrefix("[[ ## ") && reply.hasSuffix("[[ ## completed ## ]]"), reply)
            let label = reply.split(separator: "\n")[1]
            XCTAssertTrue(m[0]["content"]!.contains("'\(label)'"), "\(label) is one of the labels offered")
        }
        // The mix never teaches the evaluation's arithmetic problems.
        let all = lines.joined(separator: "\n")
        XCTAssertTrue(all.contains("How many"), "arithmetic is there")
        for p in ArithmeticProblems.generate(count: 100, seed: 1) { XCTAssertFalse(all.contains(p.question), p.question) }
        assertOneLineError(try TernProcess.run(["train", "mix", "--instructions", temporaryPath("none.jsonl"), "--out", out]), "none.jsonl")
    }
}
