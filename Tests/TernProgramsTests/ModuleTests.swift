import XCTest
import TernLM
import TernPrograms

/// Modules on a scripted model: the exact requests they make, and what they do with the replies.
final class ModuleTests: XCTestCase {
    func testPredictParsesTheReply() async throws {
        let model = ScriptedModel(replies: ["[[ ## answer ## ]]\n5\n\n[[ ## completed ## ]]"])
        let predict = try Predict("question -> answer: int")
        let p = try await predict(["question": "2 + 3?"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["answer"], 5)
        XCTAssertEqual(model.requests.count, 1)
        XCTAssertEqual(model.requests[0].parameters.temperature, 0)
        XCTAssertNil(model.requests[0].parameters.responseFormat)
    }

    func testMissingInputIsAnError() async throws {
        let predict = try Predict("question -> answer")
        do {
            _ = try await predict(["q": "x"], context: ProgramContext(lm: ScriptedModel()))
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual("\(error)", "missing input field 'question'")
        }
    }

    func testReaskQuotesTheErrorAndIsTraced() async throws {
        let store = try TraceStore(path: NSTemporaryDirectory() + "reask-\(UUID()).sqlite")
        let model = TracedModel(ScriptedModel(replies: ["The answer is five.", "[[ ## answer ## ]]\n5"]), store: store)
        let predict = try Predict("question -> answer: int")
        let p = try await predict(["question": "2 + 3?"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["answer"], 5)
        let calls = try store.calls(limit: 10).reversed().map { $0 }
        XCTAssertEqual(calls.count, 2)
        let second = try JSONDecoder().decode([Message].self, from: Data(calls[1].messages.utf8))
        XCTAssertEqual(second.suffix(2).map(\.role), [.assistant, .user])
        XCTAssertEqual(second[second.count - 2].content, "The answer is five.")
        XCTAssertEqual(second.last?.content, """
            Your reply could not be used: the reply has no `[[ ## answer ## ]]` section
            Answer again with exactly the fields asked for: `answer`.
            """)
        let span = try XCTUnwrap(store.spans(under: nil).first)
        XCTAssertEqual(span.name, "predict")
        XCTAssertEqual(calls.map(\.parentSpanID), [span.spanID, span.spanID])
        let attributes = try JSONDecoder().decode([String: JSONValue].self, from: Data(try XCTUnwrap(span.attributes).utf8))
        XCTAssertEqual(attributes["layer"], "reask")
        XCTAssertEqual(attributes["attempts"], 2)
        XCTAssertEqual(attributes["error_1"], "the reply has no `[[ ## answer ## ]]` section")
    }

    func testGivesUpAfterMaxAttemptsWithTheRawText() async throws {
        let model = ScriptedModel(replies: ["no idea", "still no idea", "never"])
        let predict = try Predict("question -> answer: int")
        do {
            _ = try await predict(["question": "?"], context: ProgramContext(lm: model, maxAttempts: 2))
            XCTFail("expected an error")
        } catch let e as StructuredOutputError {
            XCTAssertEqual(e.raw, "still no idea")
            XCTAssertEqual(e.replies, ["no idea", "still no idea"])
            XCTAssertEqual("\(e)", "no usable reply after 2 attempts: the reply has no `[[ ## answer ## ]]` section")
        }
        XCTAssertEqual(model.requests.count, 2)
    }

    func testJSONAdapterUsesResponseFormatWhenSupported() async throws {
        let model = ScriptedModel(replies: ["{\"answer\": 5}"], capabilities: .jsonSchema)
        let store = try TraceStore(path: NSTemporaryDirectory() + "layer-\(UUID()).sqlite")
        let ctx = ProgramContext(lm: TracedModel(model, store: store), adapter: JSONAdapter())
        let p = try await Predict("question -> answer: int")(["question": "2 + 3?"], context: ctx)
        XCTAssertEqual(p["answer"], 5)
        guard case .jsonSchema(_, let schema)? = model.requests[0].parameters.responseFormat else { return XCTFail("no schema sent") }
        XCTAssertEqual(schema["required"], ["answer"])
        let span = try XCTUnwrap(store.spans(under: nil).first)
        XCTAssertTrue(try XCTUnwrap(span.attributes).contains("\"layer\":\"constrained\""))
    }

    func testChainOfThoughtAsksForReasoningFirst() async throws {
        let model = ScriptedModel(replies: ["[[ ## reasoning ## ]]\n2 and 3 make 5.\n\n[[ ## answer ## ]]\n5\n\n[[ ## completed ## ]]"])
        let cot = try ChainOfThought("question -> answer: int")
        let p = try await cot(["question": "2 + 3?"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["reasoning"], "2 and 3 make 5.")
        XCTAssertEqual(p["answer"], 5)
        let user = model.requests[0].prompt.messages.last!.content
        XCTAssertTrue(user.hasSuffix("starting with `[[ ## reasoning ## ]]` and ending with `[[ ## completed ## ]]`."), user)
        XCTAssertTrue(model.requests[0].prompt.messages[0].content.contains("1. `reasoning` (str): Think it through step by step.\n2. `answer` (int)"))
    }

    func testNamedPredictorsAreFoundByPath() throws {
        struct Pipeline: Module {
            let retrieve = try! Predict("question -> query")
            let answer = try! ChainOfThought("question, query -> answer")
            func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
                let q = try await retrieve(inputs, context: context)
                return try await answer(inputs.merging(Example(q.values)), context: context)
            }
        }
        XCTAssertEqual(Pipeline().namedPredictors.map(\.name), ["retrieve", "answer.predict"])
    }

    func testMultiChainComparisonShowsEveryAttempt() async throws {
        let model = ScriptedModel(replies: [
            "[[ ## reasoning ## ]]\nr1\n[[ ## answer ## ]]\n4",
            "[[ ## reasoning ## ]]\nr2\n[[ ## answer ## ]]\n5",
            "[[ ## reasoning ## ]]\nr3\n[[ ## answer ## ]]\n5",
            "[[ ## rationale ## ]]\nTwo say 5.\n[[ ## answer ## ]]\n5",
        ])
        let mcc = MultiChainComparison(try Signature("question -> answer"), m: 3)
        let p = try await mcc(["question": "2 + 3?"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["answer"], "5")
        XCTAssertEqual(p["rationale"], "Two say 5.")
        XCTAssertEqual(model.requests.prefix(3).map(\.rolloutID), ["mcc-1", "mcc-2", "mcc-3"])
        XCTAssertEqual(model.requests.prefix(3).map(\.parameters.temperature), [0.7, 0.7, 0.7])
        let last = model.requests[3].prompt.messages.last!.content
        XCTAssertTrue(last.contains("[[ ## attempt_1 ## ]]\nReasoning: r1 Prediction: answer: 4"), last)
        XCTAssertTrue(last.contains("[[ ## attempt_3 ## ]]\nReasoning: r3 Prediction: answer: 5"), last)
    }

    func testBestOfNStopsAtTheFirstAnswerOverTheThreshold() async throws {
        let model = ScriptedModel(replies: ["[[ ## answer ## ]]\n4", "[[ ## answer ## ]]\n5", "[[ ## answer ## ]]\n6"])
        let best = BestOfN(try Predict("question -> answer: int"), n: 3, threshold: 1) { _, p in p["answer"] == 5 ? 1 : 0 }
        let p = try await best(["question": "2 + 3?"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["answer"], 5)
        XCTAssertEqual(model.requests.count, 2)
        XCTAssertEqual(model.requests.map(\.rolloutID), ["best-of-n-0", "best-of-n-1"])
    }

    func testBestOfNKeepsTheBestWhenNoneReachesTheThreshold() async throws {
        let model = ScriptedModel(replies: ["[[ ## answer ## ]]\n1", "[[ ## answer ## ]]\n9", "[[ ## answer ## ]]\n3"])
        let best = BestOfN(try Predict("question -> answer: int"), n: 3, threshold: 100) { _, p in p["answer"]?.number ?? 0 }
        let p = try await best(["question": "?"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["answer"], 9)
        XCTAssertEqual(model.requests.count, 3)
    }

    func testRefinePassesAdviceToTheNextAttempt() async throws {
        let model = ScriptedModel(replies: [
            "[[ ## answer ## ]]\n4",
            "[[ ## advice ## ]]\nAdd the numbers again carefully.",
            "[[ ## answer ## ]]\n5",
        ])
        let refine = Refine(try Predict("question -> answer: int"), n: 3, threshold: 1) { _, p in p["answer"] == 5 ? 1 : 0 }
        let p = try await refine(["question": "2 + 3?"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["answer"], 5)
        XCTAssertEqual(model.requests.count, 3)
        let advice = model.requests[1].prompt.messages.last!.content
        XCTAssertTrue(advice.contains("[[ ## outputs ## ]]\n{\"answer\":4}"), advice)
        let retry = model.requests[2].prompt.messages.last!.content
        XCTAssertTrue(retry.contains("[[ ## hint ## ]]\nAdd the numbers again carefully."), retry)
    }

    func testReActCallsToolsThenExtracts() async throws {
        struct Pair: Codable, Sendable { var a: Double; var b: Double }
        let add = try Tool.typed("add", description: "Adds two numbers.") { (x: Pair) in "\(x.a + x.b)" }
        let multiply = try Tool.typed("multiply", description: "Multiplies two numbers.") { (x: Pair) in "\(x.a * x.b)" }
        let model = ScriptedModel(replies: [
            "[[ ## next_thought ## ]]\nFirst add.\n[[ ## next_tool_name ## ]]\nadd\n[[ ## next_tool_args ## ]]\n{\"a\": 3, \"b\": 4}",
            "[[ ## next_thought ## ]]\nNow multiply.\n[[ ## next_tool_name ## ]]\nmultiply\n[[ ## next_tool_args ## ]]\n{\"a\": \"7\", \"b\": 5}",
            "[[ ## next_thought ## ]]\nBad call.\n[[ ## next_tool_name ## ]]\nadd\n[[ ## next_tool_args ## ]]\n{\"a\": 1}",
            "[[ ## next_thought ## ]]\nDone.\n[[ ## next_tool_name ## ]]\nfinish\n[[ ## next_tool_args ## ]]\n{}",
            "[[ ## reasoning ## ]]\nThe tools gave 35.\n[[ ## answer ## ]]\n35",
        ])
        let agent = try ReAct(try Signature("question -> answer: float"), tools: [add, multiply], maxIterations: 5)
        let p = try await agent(["question": "(3 + 4) * 5?"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["answer"], 35)
        let steps = try XCTUnwrap(p["trajectory"]?.array)
        XCTAssertEqual(steps.map { $0["observation"] }, ["7.0", "35.0", "error: tool call: add: /: missing required property \"b\"", "Completed."])
        XCTAssertEqual(model.requests.count, 5)
        let extract = model.requests[4].prompt.messages.last!.content
        XCTAssertTrue(extract.contains("[[ ## observation_1 ## ]]\n35.0"), extract)
        let system = model.requests[0].prompt.messages[0].content
        XCTAssertTrue(system.contains("(1) `add`: Adds two numbers. Arguments: {"), system)
        XCTAssertTrue(system.contains("(3) `finish`"), system)
    }

    func testReActStopsAtTheIterationLimit() async throws {
        let step = "[[ ## next_thought ## ]]\nAgain.\n[[ ## next_tool_name ## ]]\nadd\n[[ ## next_tool_args ## ]]\n{\"a\": 1, \"b\": 1}"
        let model = ScriptedModel(replies: [step, step, "[[ ## reasoning ## ]]\nx\n[[ ## answer ## ]]\n2"])
        struct Pair: Codable, Sendable { var a: Double; var b: Double }
        let add = try Tool.typed("add", description: "Adds.") { (x: Pair) in "\(x.a + x.b)" }
        let agent = try ReAct(try Signature("question -> answer: float"), tools: [add], maxIterations: 2)
        let p = try await agent(["question": "1+1"], context: ProgramContext(lm: model))
        XCTAssertEqual(p["trajectory"]?.array?.count, 2)
        XCTAssertEqual(model.requests.count, 3)
    }

    func testTypedPredictRoundTripsSwiftValues() async throws {
        let model = ScriptedModel(replies: [
            "[[ ## sentiment ## ]]\nPositive\n[[ ## keywords ## ]]\n[\"great\"]\n[[ ## confidence ## ]]\n0.9",
        ])
        let classify = try TypedPredict<Classify>()
        let out = try await classify(.init(review: "Great phone", stars: 5), context: ProgramContext(lm: model))
        XCTAssertEqual(out.sentiment, .positive)
        XCTAssertEqual(out.keywords, ["great"])
        XCTAssertEqual(out.confidence, 0.9)
        XCTAssertTrue(model.requests[0].prompt.messages.last!.content.contains("[[ ## stars ## ]]\n5"))
    }

    func testStructuredOutputRepairsThenReasks() async throws {
        struct Person: Codable, Sendable, Equatable { var name: String; var age: Int }
        let model = ScriptedModel(replies: ["Sure! ```json\n{name: 'Ada', age: '36',}\n```"])
        let person = try await StructuredOutput.generate(Person.self, [.user("Invent a person.")], context: ProgramContext(lm: model))
        XCTAssertEqual(person, Person(name: "Ada", age: 36))

        let again = ScriptedModel(replies: ["{\"name\": \"Ada\"}", "{\"name\": \"Ada\", \"age\": 36}"])
        let p2 = try await StructuredOutput.generate(Person.self, [.user("Invent a person.")], context: ProgramContext(lm: again))
        XCTAssertEqual(p2, Person(name: "Ada", age: 36))
        XCTAssertEqual(again.requests[1].prompt.messages.last?.content,
                       "Your reply could not be used: the value does not match the schema: missing required property \"age\"\nReply again with only the corrected JSON value.")
    }
}
