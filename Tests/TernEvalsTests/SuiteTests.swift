import Foundation
import XCTest
import TernEvals
import TernLM

/// Eval suites over scripted models whose answers are known: reading YAML and CSV, every
/// deterministic assertion, the expression language, weights and thresholds, the model-graded
/// assertions with scripted graders, the paired bootstrap on hand-checkable data, the HTML
/// report's escaping, and review agreement (Cohen's kappa computed by hand).
final class SuiteTests: XCTestCase {
    func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tern-suite-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    let noEmbedder: @Sendable () async throws -> any LanguageModel = { throw Suite.SuiteError("no embedder in this test") }

    func testYAMLWithCSVCasesDefaultsAndAnchors() throws {
        let dir = try folder()
        try """
        country,capital
        France,Paris
        "Korea, South",Seoul
        """.write(toFile: dir + "/cases.csv", atomically: true, encoding: .utf8)
        try """
        description: Capitals
        prompts:
          - "Capital of {{country}}?"
          - id: strict
            system: One word.
            user: "Capital of {{country}}?"
        providers: [a-model, "http://127.0.0.1:9/v1#remote-model"]
        parameters: {temperature: 0.5, max_tokens: 12}
        defaultTest:
          assert: [{type: icontains, value: "{{capital}}"}]
        tests:
          - cases.csv
          - vars: {country: Peru, capital: Lima}
            assert: &extra
              - {type: not-contains, value: "sorry", weight: 2}
          - vars: {country: Chile, capital: Santiago}
            assert: *extra
            threshold: 0.5
        """.write(toFile: dir + "/suite.yaml", atomically: true, encoding: .utf8)
        let s = try Suite(path: dir + "/suite.yaml")
        XCTAssertEqual(s.prompts.map(\.id), ["prompt1", "strict"])
        XCTAssertEqual(s.prompts[1].messages.map(\.role), [.system, .user])
        XCTAssertEqual(s.providers.map(\.model), ["a-model", "remote-model"])
        XCTAssertEqual(s.providers[1].baseURL, "http://127.0.0.1:9/v1")
        XCTAssertEqual(s.parameters.temperature, 0.5)
        XCTAssertEqual(s.parameters.maxTokens, 12)
        XCTAssertEqual(s.cases.count, 4)
        XCTAssertEqual(s.cases[1].vars["country"], "Korea, South", "a quoted CSV field keeps its comma")
        XCTAssertEqual(s.cases[2].assertions.map(\.name), ["icontains", "not-contains"])
        XCTAssertEqual(s.cases[3].assertions[1].weight, 2, "the YAML anchor is read as written")
        XCTAssertEqual(s.cases[3].threshold, 0.5)
        XCTAssertEqual(Suite.render("Capital of {{ country }}? {{unknown}}", ["country": "Peru"]), "Capital of Peru? {{unknown}}")
    }

    func testBadSuitesNameWhatIsWrong() throws {
        let dir = try folder()
        func error(_ yaml: String) -> String {
            try? yaml.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
            do { _ = try Suite(path: dir + "/s.yaml"); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(error("prompts: [x]\ntests: [{vars: {a: b}, assert: [{type: containz, value: x}]}]").contains("'containz': not one of"))
        XCTAssertTrue(error("prompts: [x]\ntests: [{vars: {a: b}, assert: [{type: regex, value: '('}]}]").contains("not a regular expression"))
        XCTAssertTrue(error("prompts: [x]\ntests: [{vars: {a: b}, assert: [{type: latency}]}]").contains("needs a threshold"))
        XCTAssertTrue(error("prompts: [x]\ntests: [{vars: {a: b}}]").contains("no assertions"))
        XCTAssertTrue(error("prompts: [x]\ntests: [missing.csv]").contains("cannot read"))
        XCTAssertTrue(error("prompts: [x]\ntests: [{vars: {a: b}, assert: [{type: expression, value: 'length <'}]}]").contains("expression"))
        XCTAssertTrue(error("prompts: [x\n  bad: [").contains("not valid YAML"))
        XCTAssertTrue(error("prompts: [x]\nparameters: {temprature: 1}\ntests: [{vars: {a: b}, assert: [{type: is-json}]}]").contains("temprature"))
    }

    func outcome(_ type: String, _ value: JSONValue?, threshold: Double? = nil, output: String, vars: [String: String] = [:],
                 latencyMs: Double = 10, tokens: Int = 5, graders: Graders? = nil) async throws -> Assertion.Outcome {
        let o = Output(text: output, question: "q?", messages: [.user("q?")], latencyMs: latencyMs, promptTokens: 3,
                       completionTokens: tokens, cost: 0.002)
        return try await Assertion(type: type, value: value, threshold: threshold)
            .check(o, vars: vars, graders: graders ?? Graders(embedder: noEmbedder))
    }

    func testDeterministicAssertions() async throws {
        let cases: [(String, JSONValue?, Double?, String, Bool)] = [
            ("equals", "Paris", nil, "  Paris\n", true),
            ("equals", "Paris", nil, "Paris.", false),
            ("contains", "Par", nil, "Paris", true),
            ("contains", "par", nil, "Paris", false),
            ("icontains", "par", nil, "Paris", true),
            ("contains-any", ["Rome", "Paris"], nil, "Paris", true),
            ("contains-all", ["Rome", "Paris"], nil, "Paris", false),
            ("icontains-all", ["rome", "paris"], nil, "Paris and Rome", true),
            ("icontains-any", ["x", "y"], nil, "Paris", false),
            ("starts-with", "The", nil, " The end", true),
            ("regex", "^\\d{3}-\\d{4}$", nil, "555-1234", true),
            ("regex", "^\\d{3}$", nil, "55", false),
            ("is-json", nil, nil, "```json\n{\"a\": 1}\n```", true),
            ("is-json", nil, nil, "{a: 1}", false),
            ("json-schema", ["type": "object", "required": ["a"], "properties": ["a": ["type": "integer"]]], nil, "{\"a\": 1}", true),
            ("json-schema", ["type": "object", "required": ["a"], "properties": ["a": ["type": "integer"]]], nil, "{\"a\": \"1\"}", false),
            ("latency", nil, 20, "x", true),
            ("latency", nil, 5, "x", false),
            ("tokens", nil, 5, "x", true),
            ("tokens", nil, 4, "x", false),
            ("cost", nil, 0.001, "x", false),
            ("not-contains", "sorry", nil, "Paris", true),
            ("not-icontains", "SORRY", nil, "sorry!", false),
        ]
        for (type, value, threshold, output, expected) in cases {
            let o = try await outcome(type, value, threshold: threshold, output: output)
            XCTAssertEqual(o.passed, expected, "\(type) \(value?.canonicalJSON ?? "") on \(output): \(o.reason)")
            XCTAssertEqual(o.score, expected ? 1 : 0)
        }
        // Values use the case's variables.
        let v = try await outcome("icontains", "{{capital}}", output: "It is Lima.", vars: ["capital": "lima"])
        XCTAssertTrue(v.passed)
    }

    func testExpressions() throws {
        let c = Expression.Context(output: "{\"city\": \"Lima\", \"n\": [1, 2, 3]}", vars: ["city": "Lima", "k": "3"], latencyMs: 120, tokens: 9)
        let truths: [(String, Bool)] = [
            ("json.city == vars.city", true),
            ("json.n[2] == vars.k", true),
            ("len(json.n) == 3 && !(tokens > 10)", true),
            ("length < 10 || contains(lower(output), 'lima')", true),
            ("latency_ms / 2 + 1 >= 61", true),
            ("startsWith(output, '{') && endsWith(trim(output), '}')", true),
            ("matches(output, '\"n\": \\\\[')", true),
            ("contains(json.n, 2) && !contains(json.n, 4)", true),
            ("upper(json.city) + '!' == 'LIMA!'", true),
            ("number('2.5') * 2 == 5", true),
            ("json.missing == null", true),
            ("-words < 0", true),
            ("1 + 2 * 3 == 7", true),
            ("(1 + 2) * 3 == 7", false),
        ]
        for (source, expected) in truths {
            XCTAssertEqual(try Expression(source).evaluate(c), expected, source)
        }
        for bad in ["output ==", "foo(1)", "secrets", "1 +", "'open", "len(1, 2)", "output @ 2"] {
            XCTAssertThrowsError(try Expression(bad), bad)
        }
        XCTAssertThrowsError(try Expression("length + 1").evaluate(c), "a number is not a verdict")
        XCTAssertThrowsError(try Expression("output < 3 && true").evaluate(Expression.Context(output: "abc")))
    }

    func testModelGradedAssertionsUseTheGraders() async throws {
        // A grader that gives 8 when the answer mentions Rayleigh scattering, else 3; a judge that
        // prefers whichever answer mentions scattering, in either position.
        let grader = ScriptedModel(name: "grader") { r in
            let p = r.prompt.messages.map(\.content).joined()
            if p.contains("[Assistant A") {
                let a = p.components(separatedBy: "[Assistant A's answer]\n").last?.prefix { $0 != "\n" } ?? ""
                let b = p.components(separatedBy: "[Assistant B's answer]\n").last?.prefix { $0 != "\n" } ?? ""
                return a.contains("scatter") && !b.contains("scatter") ? "[[A]]" : b.contains("scatter") && !a.contains("scatter") ? "[[B]]" : "[[C]]"
            }
            return p.contains("Rayleigh") ? "Score: 8\nReason: names the cause" : "Score: 3\nReason: vague"
        }
        let embedder = ScriptedModel(name: "embed")
        let graders = Graders(embedder: { embedder }, grader: grader)
        let good = try await outcome("llm-rubric", "Explains the colour", threshold: 7, output: "Rayleigh scattering of sunlight.", graders: graders)
        XCTAssertTrue(good.passed, good.reason)
        XCTAssertEqual(good.score, 0.8, accuracy: 1e-9)
        XCTAssertTrue(good.reason.contains("names the cause"))
        let bad = try await outcome("llm-rubric", "Explains the colour", threshold: 7, output: "It is blue.", graders: graders)
        XCTAssertFalse(bad.passed)
        let wins = try await outcome("pairwise", "It is blue.", output: "Sunlight scatters.", graders: graders)
        XCTAssertTrue(wins.passed, wins.reason)
        let loses = try await outcome("pairwise", "Sunlight scatters.", output: "It is blue.", graders: graders)
        XCTAssertFalse(loses.passed, loses.reason)
        let near = try await outcome("similar", "the same words", threshold: 0.99, output: "the same words", graders: graders)
        XCTAssertTrue(near.passed, near.reason)
        let far = try await outcome("similar", "zzzz", threshold: 0.99, output: "a b", graders: graders)
        XCTAssertFalse(far.passed, far.reason)
        XCTAssertEqual(grader.requests.filter { $0.prompt.messages.map(\.content).joined().contains("[Assistant A") }.count, 4,
                       "both orders are asked for each pairwise check")
    }

    func testRunnerWeightsThresholdsRepeatsAndErrors() async throws {
        var suite = try Suite([
            "prompts": ["Say {{word}}."],
            "providers": ["echo"],
            "tests": [
                ["vars": ["word": "yes"], "assert": [["type": "equals", "value": "{{word}}"]]],
                // Fails the weight-0 check and one of weight 1, passes one of weight 3: score 0.75.
                ["vars": ["word": "no"], "threshold": 0.7,
                 "assert": [["type": "contains", "value": "no", "weight": 3], ["type": "contains", "value": "x"],
                            ["type": "contains", "value": "z", "weight": 0]]],
                ["vars": ["word": "fail"], "assert": [["type": "is-json"]]],
            ],
        ])
        suite.parameters.temperature = 0.8
        let model = ScriptedModel(name: "echo") { r in
            let text = r.prompt.messages.last!.content
            return text.contains("fail") ? nil : String(text.dropFirst(4).dropLast())  // nil: the model errs
        }
        var runner = SuiteRunner(suite: suite, graders: Graders(embedder: noEmbedder)) { _ in model }
        runner.repeats = 2
        let r = try await runner.run()
        XCTAssertEqual(r.rows.count, 6)
        XCTAssertEqual(r.rows.filter { $0.caseIndex == 0 }.map(\.passed), [true, true])
        let weighted = r.rows.first { $0.caseIndex == 1 }!
        XCTAssertEqual(weighted.score, 0.75, accuracy: 1e-9)
        XCTAssertTrue(weighted.passed, "0.75 reaches the case's threshold 0.7")
        let failed = r.rows.first { $0.caseIndex == 2 }!
        XCTAssertFalse(failed.passed)
        XCTAssertTrue(failed.error?.contains("no reply left") ?? false, failed.error ?? "no error")
        XCTAssertEqual(r.passRate, 4.0 / 6.0, accuracy: 1e-9)
        // Repeats differ in seed and share the case's rollout id stem.
        let seeds = model.requests.filter { $0.prompt.messages.last!.content == "Say yes." }.map(\.parameters.seed)
        XCTAssertEqual(Set(seeds).count, 2)
        let ids = r.rows.filter { $0.caseIndex == 0 }.map(\.rolloutID)
        XCTAssertEqual(ids.map { $0.hasSuffix("-r0") || $0.hasSuffix("-r1") }, [true, true])
        XCTAssertEqual(Set(ids.map { $0.dropLast(3) }).count, 1)
        XCTAssertTrue(r.table.contains("4/6"), r.table)
        // results.json reads back.
        let dir = try folder()
        try r.json().write(to: URL(fileURLWithPath: dir + "/results.json"))
        XCTAssertEqual(try SuiteResults.read(dir + "/results.json").rows.count, 6)
    }

    func testPairedBootstrap() {
        // Identical columns: the difference and the whole interval are 0.
        let same = PairedBootstrap.compare(a: [[1], [0], [1], [0]], b: [[1], [0], [1], [0]], labels: ("a", "b"))
        XCTAssertEqual(same.difference, 0)
        XCTAssertEqual(same.low, 0)
        XCTAssertEqual(same.high, 0)
        XCTAssertFalse(same.significant)
        // b passes every case a fails, 30 of 30: +100 points, every resample +1.
        let better = PairedBootstrap.compare(a: Array(repeating: [0, 0], count: 30), b: Array(repeating: [1, 1], count: 30), labels: ("a", "b"))
        XCTAssertEqual(better.difference, 1)
        XCTAssertEqual(better.low, 1)
        XCTAssertTrue(better.significant)
        XCTAssertTrue(better.sentence.contains("better"))
        // One case of 20 differs: +5 points, and the interval reaches 0 (a resample without it).
        var a = Array(repeating: [1.0], count: 20), b = a
        a[3] = [0]
        b[3] = [1]
        let small = PairedBootstrap.compare(a: a, b: b, labels: ("a", "b"))
        XCTAssertEqual(small.difference, 0.05, accuracy: 1e-12)
        XCTAssertEqual(small.low, 0)
        XCTAssertFalse(small.significant)
        XCTAssertTrue(small.sentence.contains("not significantly different"))
    }

    func testReportEscapesModelOutput() throws {
        let row = SuiteResults.Row(prompt: "p<1>", provider: "m", caseIndex: 0, description: "d", vars: [:], repeatIndex: 0,
                                   rolloutID: "eval-x-r0", output: "<script>alert('x')</script> & more",
                                   outcomes: [Assertion.Outcome(assertion: "contains", passed: false, score: 0, reason: "missing \"<b>\"", weight: 1)],
                                   score: 0, passed: false)
        let r = SuiteResults(description: "A & B", started: 0, seconds: 1, prompts: ["p<1>"], providers: ["m"], repeats: 1, rows: [row])
        let html = SuiteReport.html(r)
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
        XCTAssertTrue(html.contains("A &amp; B"))
        XCTAssertTrue(html.contains("missing &quot;&lt;b&gt;&quot;"))
        XCTAssertTrue(html.contains("0/1 (0.0%)"))
    }

    func testReviewAgreementAndKappa() {
        // Four outputs; the rubric passes 1 and 2, the human accepts 1 and 3.
        func row(_ i: Int, rubric: Bool) -> SuiteResults.Row {
            SuiteResults.Row(prompt: "p", provider: "m", caseIndex: i, description: "\(i)", vars: [:], repeatIndex: 0, rolloutID: "r\(i)",
                             output: "o", outcomes: [Assertion.Outcome(assertion: "llm-rubric", passed: rubric, score: rubric ? 1 : 0, reason: "", weight: 1),
                                                    Assertion.Outcome(assertion: "contains", passed: true, score: 1, reason: "", weight: 1)],
                             score: 0, passed: rubric)
        }
        let r = SuiteResults(description: "", started: 0, seconds: 0, prompts: ["p"], providers: ["m"], repeats: 1,
                             rows: [row(0, rubric: true), row(1, rubric: true), row(2, rubric: false), row(3, rubric: false)])
        var review = SuiteReview()
        XCTAssertEqual(review.queue(r, passes: nil).map(\.caseIndex), [2, 3], "failures first")
        for (i, ok) in [(0, true), (1, false), (2, true), (3, false)] {
            review.verdicts.append(.init(rolloutID: "r\(i)", provider: "m", prompt: "p", acceptable: ok))
        }
        XCTAssertTrue(review.queue(r, passes: nil).isEmpty, "reviewed outputs are not asked again")
        let a = review.agreement(with: r)
        XCTAssertEqual(a.map(\.check), ["case passes", "llm-rubric"], "deterministic assertions are not judged")
        let rubric = a.first { $0.check == "llm-rubric" }!
        // Agreement 2 of 4; chance agreement 0.5·0.5 + 0.5·0.5 = 0.5; kappa (0.5 − 0.5) / 0.5 = 0.
        XCTAssertEqual(rubric.agree, 2)
        XCTAssertEqual(rubric.kappa, 0, accuracy: 1e-12)
    }
}

/// The example suites in Examples/evals are read without error (their results are in docs/EVALS.md).
final class ExampleSuiteTests: XCTestCase {
    func testExampleSuitesParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Examples/evals").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(files.count, 3)
        for f in files {
            let s = try Suite(path: folder + "/" + f)
            XCTAssertFalse(s.providers.isEmpty, f)
            XCTAssertTrue(s.cases.allSatisfy { !$0.assertions.isEmpty }, f)
        }
    }
}
