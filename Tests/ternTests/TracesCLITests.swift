import Foundation
import TernLM
import XCTest

/// `tern generate` records its call; `tern traces` shows it back exactly.
final class TracesCLITests: XCTestCase {
    func testGenerateIsTracedAndTracesShowListExportStats() throws {
        let db = temporaryPath("traces.sqlite")
        let env = ["TERN_TRACES": db]
        let g = try TernProcess.run(["generate", "--temperature", "0", "-n", "4", "Question: What is 12 + 30?\nAnswer:"], environment: env)
        XCTAssertEqual(g.status, 0, g.stderr)
        // Switched off by the flag and by the environment: nothing more is recorded.
        XCTAssertEqual(try TernProcess.run(["generate", "-n", "2", "--no-trace", "x"], environment: env).status, 0)
        XCTAssertEqual(try TernProcess.run(["generate", "-n", "2", "x"], environment: env.merging(["TERN_NO_TRACE": "1"]) { $1 }).status, 0)

        let list = try TernProcess.run(["traces", "list", "--json"], environment: env)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(records.count, 1, list.stdout)
        XCTAssertEqual(records[0]["output"] as? String, " 12 +")  // 4 tokens: " ", "1", "2", " +"
        XCTAssertEqual(records[0]["completion_tokens"] as? Int, 4)

        let show = try TernProcess.run(["traces", "show", "1"], environment: env)
        XCTAssertEqual(show.stdout, "<bos>Question: What is 12 + 30?\nAnswer:")

        let export = try TernProcess.run(["traces", "export", "--jsonl"], environment: env)
        let span = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        let attributes = try XCTUnwrap(span["attributes"] as? [String: Any])
        XCTAssertEqual(attributes["llm.model_name"] as? String, "gemma3-270m")
        XCTAssertEqual(attributes["llm.input_messages.0.message.role"] as? String, "user")
        XCTAssertEqual(attributes["llm.token_count.completion"] as? Int, 4)
        XCTAssertEqual(attributes["llm.token_count.prompt"] as? Int, records[0]["prompt_tokens"] as? Int)

        let stats = try TernProcess.run(["traces", "stats", "--json"], environment: env)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.first?["calls"] as? Int, 1)
        XCTAssertEqual(rows.first?["completion_tokens"] as? Int, 4)

        assertOneLineError(try TernProcess.run(["traces", "show", "99"], environment: env), "no call with id 99")
        assertOneLineError(try TernProcess.run(["traces", "list"], environment: ["TERN_TRACES": db + ".missing"]), "no trace database")
    }

    func testEvaluationsAreListed() throws {
        let db = temporaryPath("traces.sqlite")
        let store = try TraceStore(path: db)
        try store.record(EvaluationRecord(spanID: nil, name: "held-out", model: "gemma3-270m", startedAt: 1_790_000_000,
                                          score: 45.8, examples: 120, calls: 120, rows: "[{\"index\":0,\"score\":1}]"))
        let o = try TernProcess.run(["traces", "evals", "--traces", db])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertEqual(o.stdout, "1\t2026-09-21T14:13:20Z\tgemma3-270m\theld-out\t45.8%\t120 examples\t120 calls\n")
        let json = try TernProcess.run(["traces", "evals", "--json", "--traces", db])
        XCTAssertTrue(json.stdout.contains("\"rows\":\"[{\\\"index\\\":0,\\\"score\\\":1}]\""), json.stdout)
    }
}
