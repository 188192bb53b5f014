import Foundation
import XCTest

/// `tern eval SUITE.yaml` on the default model with Tern's instruction adapter: the table, the
/// written results and report, every call in the trace store under its case's rollout id, the
/// second run answered from the cache, `--fail-under`'s exit code, and `tern eval review` fed
/// verdicts on standard input.
final class EvalSuiteCLITests: XCTestCase {
    func writeSuite() throws -> String {
        let dir = temporaryPath("suite")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "country,capital\nFrance,Paris\nJapan,Tokyo\nItaly,Rome\n".write(toFile: dir + "/cases.csv", atomically: true, encoding: .utf8)
        try """
        description: Capitals
        prompts:
          - id: terse
            system: Answer with the name of the city only.
            user: What is the capital of {{country}}?
          - id: plain
            user: What is the capital of {{country}}?
        providers: [gemma3-270m-it]
        parameters: {temperature: 0, max_tokens: 16}
        defaultTest:
          assert:
            - {type: icontains, value: "{{capital}}"}
            - {type: expression, value: "words <= 12"}
            - {type: similar, value: "{{capital}}", threshold: 0.1, weight: 0}
        tests: [cases.csv]
        """.write(toFile: dir + "/suite.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    func testRunWritesResultsTracesCachesAndReviews() throws {
        let dir = try writeSuite(), out = dir + "/out", env = ["TERN_TRACES": dir + "/traces.sqlite"]
        let first = try TernProcess.run(["eval", dir + "/suite.yaml", "--out", out], environment: env)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("terse") && first.stdout.contains("plain"), first.stdout)
        XCTAssertTrue(first.stdout.contains("plain vs gemma3-270m-it · terse"), "the two prompts are compared: \(first.stdout)")

        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json"))) as? [String: Any])
        let rows = try XCTUnwrap((json["results"] as? [String: Any])?["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 6)
        for row in rows {
            let output = row["output"] as? String ?? ""
            let vars = row["vars"] as? [String: String] ?? [:]
            let outcomes = row["outcomes"] as? [[String: Any]] ?? []
            XCTAssertEqual(outcomes.count, 3)
            // The icontains verdict is the output's, checked here independently.
            XCTAssertEqual(outcomes[0]["passed"] as? Bool, output.lowercased().contains(vars["capital"]!.lowercased()), output)
            XCTAssertTrue((outcomes[2]["reason"] as? String ?? "").hasPrefix("cosine "), "MiniLM scored it: \(outcomes[2])")
        }
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<h2>Pass rates</h2>") && html.contains("Capitals"))

        // Every call is traced with its case's rollout id.
        let list = try TernProcess.run(["traces", "list", "--json", "--limit", "50"], environment: env)
        let calls = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], list.stderr)
        let completions = calls.filter { $0["kind"] as? String == "complete" }
        XCTAssertEqual(Set(completions.compactMap { $0["rollout_id"] as? String }), Set(rows.compactMap { $0["rolloutID"] as? String }))

        // Again: the same outputs, from the cache.
        let second = try TernProcess.run(["eval", dir + "/suite.yaml", "--json"], environment: env)
        XCTAssertEqual(second.status, 0, second.stderr)
        let again = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        let rows2 = try XCTUnwrap((again["results"] as? [String: Any])?["rows"] as? [[String: Any]])
        XCTAssertEqual(rows2.map { $0["output"] as? String }, rows.map { $0["output"] as? String })
        let after = try TernProcess.run(["traces", "list", "--json", "--limit", "50"], environment: env)
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(all.filter { $0["kind"] as? String == "complete" && $0["cache_hit"] as? Bool == true }.count, 6)

        // A pass rate under --fail-under fails the command, in one line.
        let guarded = try TernProcess.run(["eval", dir + "/suite.yaml", "--fail-under", "100.5"], environment: env)
        XCTAssertEqual(guarded.status, 1)
        XCTAssertTrue(guarded.stderr.contains("under --fail-under 100.5"), guarded.stderr)

        // Review: the first two outputs of the queue get a verdict, then the reviewer stops.
        let failures = rows.filter { $0["passed"] as? Bool == false }.count
        let review = try TernProcess.run(["eval", "review", out, "--sample", "2"], stdin: "y\nmaybe\nn\nq\n", environment: env)
        XCTAssertEqual(review.status, 0, review.stderr)
        XCTAssertTrue(review.stdout.contains("answer y, n, s or q"), "an unknown answer is asked again")
        let verdicts = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/review.json"))) as? [[String: Any]])
        XCTAssertEqual(verdicts.map { $0["acceptable"] as? Bool }, rows.count - failures >= 2 ? [true, false] : Array([true, false].prefix(rows.count - failures)))
        XCTAssertTrue(review.stdout.contains("case passes"), review.stdout)
    }

    func testBadSuites() throws {
        assertOneLineError(try TernProcess.run(["eval", "/nonexistent/suite.yaml"]), "cannot read /nonexistent/suite.yaml")
        let dir = try writeSuite()
        try "prompts: [x]\ntests: [{vars: {a: b}, assert: [{type: nearly, value: x}]}]\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        assertOneLineError(try TernProcess.run(["eval", dir + "/bad.yaml", "--model", "gemma3-270m-it"]), "'nearly': not one of")
        try "prompts: [x]\ntests: [{vars: {a: b}, assert: [{type: is-json}]}]\n".write(toFile: dir + "/none.yaml", atomically: true, encoding: .utf8)
        assertOneLineError(try TernProcess.run(["eval", dir + "/none.yaml"]), "names no providers")
        assertOneLineError(try TernProcess.run(["eval", "review", dir]), "results.json")
    }
}
