import XCTest
import TernLM
import TernPrograms

/// Evaluation and optimizers on scripted models whose right outcome is known by construction.
final class OptimizerTests: XCTestCase {
    /// "What is a + b?" examples with their sums.
    func dataset(_ n: Int, from start: Int = 0) -> [Example] {
        (start..<(start + n)).map { i in ["question": .string("What is \(i) + \(i + 1)?"), "answer": .number(Double(2 * i + 1))] }
    }

    /// Answers the sum right only when the prompt holds at least one demo (an assistant turn), or
    /// when the instructions say "add", and otherwise answers 0.
    func adder(_ name: String = "adder") -> ScriptedModel {
        ScriptedModel(name: name) { request in
            let messages = request.prompt.messages
            let q = messages.last!.content
            let numbers = q.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            let knows = messages.contains { $0.role == .assistant } || messages[0].content.contains("add")
            return "[[ ## answer ## ]]\n\(knows && numbers.count >= 2 ? numbers[0] + numbers[1] : 0)"
        }
    }

    func testEvaluateScoresEveryExampleAndStoresTheResult() async throws {
        let store = try TraceStore(path: NSTemporaryDirectory() + "eval-\(UUID()).sqlite")
        let model = ScriptedModel { request in
            let q = request.prompt.messages.last!.content
            return q.contains("What is 1 +") ? "[[ ## answer ## ]]\n3" : "[[ ## answer ## ]]\n0"
        }
        let ctx = ProgramContext(lm: TracedModel(model, store: store))
        let result = try await Evaluate(devset: dataset(4), metric: .exactMatch("answer"), concurrency: 2, progress: false)
            .run(try Predict("question -> answer: int"), context: ctx)
        XCTAssertEqual(result.rows.map(\.score), [0, 1, 0, 0])
        XCTAssertEqual(result.score, 25)
        XCTAssertEqual(result.calls, 4)
        XCTAssertEqual(result.rows[0].prediction, ["answer": 0])
        XCTAssertGreaterThan(result.tokens, 0)
        XCTAssertTrue(result.table().hasSuffix("eval: 25.0% over 4 examples (exact_match(answer)), 4 calls, \(result.tokens) tokens"), result.table())
        XCTAssertTrue(result.table().contains("\n  1   1.00  {\"answer\":3,\"question\":\"What is 1 + 2?\"}"), result.table())
        let saved = try XCTUnwrap(store.evaluations().first)
        XCTAssertEqual(saved.score, 25)
        XCTAssertEqual(saved.examples, 4)
        XCTAssertEqual(saved.calls, 4)
    }

    func testAReplyThatNeverParsesScoresZero() async throws {
        let model = ScriptedModel { _ in "I don't know." }
        let result = try await Evaluate(devset: dataset(2), metric: .exactMatch("answer"), progress: false)
            .run(try Predict("question -> answer: int"), context: ProgramContext(lm: model))
        XCTAssertEqual(result.score, 0)
        XCTAssertEqual(result.rows[0].error, "no usable reply after 2 attempts: the reply has no `[[ ## answer ## ]]` section")
        XCTAssertEqual(result.calls, 4)
    }

    func testLabeledFewShotIsSeededAndCallsNothing() async throws {
        let predict = try Predict("question -> answer: int")
        let model = adder()
        let report = try await LabeledFewShot(k: 3, seed: 7).compile(predict, trainset: dataset(10), context: ProgramContext(lm: model), log: { _ in })
        XCTAssertEqual(predict.demos.count, 3)
        XCTAssertEqual(report.calls, 0)
        let again = try Predict("question -> answer: int")
        _ = try await LabeledFewShot(k: 3, seed: 7).compile(again, trainset: dataset(10), context: ProgramContext(lm: model), log: { _ in })
        XCTAssertEqual(again.demos, predict.demos)
    }

    func testBootstrapKeepsPassingTracesAsDemos() async throws {
        // The teacher answers right for even first numbers only: those runs become demos.
        let model = ScriptedModel { request in
            let q = request.prompt.messages.last!.content
            let n = q.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            return "[[ ## answer ## ]]\n\(n[0] % 2 == 0 ? n[0] + n[1] : -1)"
        }
        let predict = try Predict("question -> answer: int")
        var logged: [String] = []
        let opt = BootstrapFewShot(metric: .exactMatch("answer"), maxBootstrappedDemos: 2, maxLabeledDemos: 3)
        let report = try await opt.compile(predict, trainset: dataset(6), context: ProgramContext(lm: model), log: { logged.append($0) })
        XCTAssertEqual(logged.first, "BootstrapFewShot: expects at most 12 LM calls, about \(12 * opt.estimate(predict, trainset: dataset(6), context: ProgramContext(lm: model)).tokens / 12) tokens")
        // Examples 0 and 2 pass (0+1, 2+3); example 1 fails; it stops after two passes.
        XCTAssertEqual(report.calls, 3)
        XCTAssertEqual(predict.demos.count, 3)
        XCTAssertEqual(predict.demos[0], ["question": "What is 0 + 1?", "answer": 1])
        XCTAssertEqual(predict.demos[1], ["question": "What is 2 + 3?", "answer": 5])
        XCTAssertEqual(predict.demos[2], dataset(6)[1])  // then a labeled one not bootstrapped
    }

    func testBudgetIsAHardLimit() async throws {
        let predict = try Predict("question -> answer: int")
        let model = adder()
        var logged: [String] = []
        let opt = BootstrapFewShot(metric: .exactMatch("answer"), maxBootstrappedDemos: 100, maxLabeledDemos: 0, budget: Budget(maxCalls: 3))
        let report = try await opt.compile(predict, trainset: dataset(20), context: ProgramContext(lm: model), log: { logged.append($0) })
        XCTAssertEqual(report.calls, 3)
        XCTAssertEqual(model.requests.count, 3)
        XCTAssertTrue(logged[0].hasPrefix("BootstrapFewShot: expects at most 40 LM calls"), logged[0])
        XCTAssertTrue(logged[0].hasSuffix("; budget 3 calls"), logged[0])
    }

    func testBootstrapImprovesAFewShotLearner() async throws {
        let model = adder()
        let ctx = ProgramContext(lm: model)
        let predict = try Predict("question -> answer: int")
        let eval = Evaluate(devset: dataset(5, from: 50), metric: .exactMatch("answer"), progress: false)
        let before = try await eval.run(predict, context: ctx).score
        _ = try await BootstrapFewShot(metric: .exactMatch("answer"), maxBootstrappedDemos: 2, maxLabeledDemos: 2)
            .compile(predict, trainset: dataset(5), context: ctx, log: { _ in })
        let after = try await eval.run(predict, context: ctx).score
        XCTAssertEqual(before, 0)
        XCTAssertEqual(after, 100)
    }

    func testRandomSearchKeepsTheBestCandidate() async throws {
        let model = adder()
        let predict = try Predict("question -> answer: int")
        let opt = BootstrapFewShotWithRandomSearch(metric: .exactMatch("answer"), candidates: 1, maxBootstrappedDemos: 1,
                                                   maxLabeledDemos: 1, valset: dataset(3, from: 20))
        let report = try await opt.compile(predict, trainset: dataset(4), context: ProgramContext(lm: model), log: { _ in })
        XCTAssertTrue(report.summary.hasPrefix("best: labeled, 100.0%"), report.summary)
        XCTAssertEqual(predict.demos.count, 1)
    }

    func testCOPROKeepsTheBestScoringInstruction() async throws {
        // Proposals come from the "instruction" predictor; the student is right only when told to "add".
        let model = ScriptedModel { request in
            let system = request.prompt.messages[0].content
            if system.contains("`instruction`") {
                return request.rolloutID!.hasSuffix("-0") ? "[[ ## instruction ## ]]\nMultiply the numbers."
                                                          : "[[ ## instruction ## ]]\nPlease add the two numbers."
            }
            let q = request.prompt.messages.last!.content
            let n = q.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            return "[[ ## answer ## ]]\n\(system.contains("add") ? n[0] + n[1] : 0)"
        }
        let predict = try Predict("question -> answer: int", instructions: "Answer.")
        let report = try await COPRO(metric: .exactMatch("answer"), breadth: 2, depth: 1)
            .compile(predict, trainset: dataset(3), context: ProgramContext(lm: model), log: { _ in })
        XCTAssertEqual(predict.signature.instructions, "Please add the two numbers.")
        XCTAssertTrue(report.summary.contains("100.0%"), report.summary)
    }

    func testCompiledProgramRoundTripsAndChecksShape() async throws {
        let predict = try Predict("question -> answer: int", instructions: "Add.")
        predict.demos = dataset(2)
        let url = URL(fileURLWithPath: NSTemporaryDirectory() + "program-\(UUID()).json")
        try CompiledProgram(predict, model: "gemma3-270m").write(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\"format\" : \"tern-program\""))
        XCTAssertTrue(text.contains("\"version\" : 1"))
        XCTAssertTrue(text.contains("\"model\" : \"gemma3-270m\""))

        let fresh = try Predict("question -> answer: int")
        try CompiledProgram.read(from: url).apply(to: fresh)
        XCTAssertEqual(fresh.demos, dataset(2))
        XCTAssertEqual(fresh.signature.instructions, "Add.")

        let other = try Predict("question -> reply")
        XCTAssertThrowsError(try CompiledProgram.read(from: url).apply(to: other)) {
            XCTAssertEqual("\($0)", "cannot load program: predictor 'self' has fields [\"question\", \"reply\"] but the file has [\"question\", \"answer\"]")
        }
        try Data(text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 9").utf8).write(to: url)
        XCTAssertThrowsError(try CompiledProgram.read(from: url)) { XCTAssertTrue("\($0)".contains("has format version 9")) }
    }
}
