import Foundation
import TernLM
import TernRL
import TernSearch
import TernStore
import XCTest

/// Verifier training data from a scripted policy whose answers and completions are known, so
/// every outcome and Math-Shepherd process label can be worked out by hand; and the format that
/// asks `tern experiment ttc`'s problems in the tags GRPO trains.
final class VerifierDataTests: XCTestCase {
    let problem = ArithmeticProblem(question: "Kim has 7 pears. She buys 5 more. How many?", solution: "", answer: 12)

    func testOutcomeAndProcessLabels() async throws {
        let right = "<think>\n7 + 5 = 12.\n</think>\n<answer>12</answer>"
        let wrong = "<think>\n7 + 5 = 13.\n</think>\n<answer>13</answer>"
        // Completions: from "<think>\n" the policy gets it right; from anywhere later in the wrong
        // answer it keeps the wrong sum.
        let policy = ScriptedModel(replies: [right, wrong]) { request in
            guard case .text(let p) = request.prompt else { return nil }
            if p.hasSuffix("<think>\n") { return "7 + 5 = 12.\n</think>\n<answer>12</answer>" }
            if p.hasSuffix("</think>\n") { return "<answer>13</answer>" }
            return "</think>\n<answer>13</answer>"
        }
        var data = VerifierData(policy: policy)
        data.samples = 2
        data.rollouts = 2
        let task = ArithmeticTask.prompt(problem)
        let examples = try await data.examples(question: problem.question, prompt: "Q:", index: 0) { task.isCorrect($0) }

        let outcome = examples.filter { $0.kind == .outcome }
        XCTAssertEqual(outcome.map(\.prompt), [OutcomeRewardModel.question(problem: problem.question, solution: right),
                                               OutcomeRewardModel.question(problem: problem.question, solution: wrong)])
        XCTAssertEqual(outcome.map(\.completion), [" Yes", " No"])

        func question(_ text: String, steps k: Int) -> String {
            ProcessRewardModel.question(problem: problem.question, steps: Array(data.steps(of: text)[...k]))
        }
        let process = Dictionary(examples.filter { $0.kind == .process }.map { ($0.prompt, $0.label) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(data.steps(of: wrong), ["<think>\n", "7 + 5 = 13.\n", "</think>\n", "<answer>13</answer>"])
        for k in 1...3 { XCTAssertEqual(process[question(right, steps: k)], true, "every step of a right answer is good") }
        XCTAssertEqual(process[question(wrong, steps: 1)], false, "no completion after the wrong sum recovers")
        XCTAssertEqual(process[question(wrong, steps: 2)], false)
        XCTAssertEqual(process[question(wrong, steps: 3)], false, "the wrong final answer")
        XCTAssertEqual(process[question(right, steps: 0)], true)  // "<think>": a completion from it reaches 12
        XCTAssertEqual(examples.filter { $0.kind == .process }.count, 4 + 1 + 3)
        // One sampling request, then the wrong answer's first three steps rolled out together.
        XCTAssertEqual(policy.requests.map(\.parameters.n), [2, 2, 2, 2])
        let rolledOut = policy.requests.dropFirst().map { r -> String in if case .text(let t) = r.prompt { return t }; return "" }
        XCTAssertEqual(rolledOut, ["Q:<think>\n", "Q:<think>\n7 + 5 = 13.\n", "Q:<think>\n7 + 5 = 13.\n</think>\n"])
    }

    func testTagsFormatAsksThroughTheChatTemplate() throws {
        let format = try ArithmeticTask.chatFormat(template: GemmaTemplate())
        XCTAssertEqual(format.prompt(problem), try GemmaTemplate().render([.user(ArithmeticTask.instructions + "\n\n" + problem.question)],
                                                                            addGenerationPrompt: true))
        XCTAssertEqual(format.extract("<think>\n7 + 5 = 12.\n</think>\n<answer>12 pears</answer>"), "12")
        XCTAssertNil(format.extract("7 + 5 = 12. Answer: 12"))
        XCTAssertEqual(format.stop, [])
    }

    /// gemma3-270m-math's default system message is the instruction it was trained with, and Gemma's
    /// template puts it where training put it: `tern chat --model gemma3-270m-math QUESTION` sees
    /// the training prompt exactly.
    func testTheMathModelIsAskedAsItWasTrained() throws {
        let math = try XCTUnwrap(KnownModels.tuned.first { $0.name == "gemma3-270m-math" })
        XCTAssertEqual(math.system, ArithmeticTask.instructions)
        let asked = try GemmaTemplate().render([.system(try XCTUnwrap(math.system)), .user(problem.question)], addGenerationPrompt: true)
        XCTAssertEqual(asked, try ArithmeticTask.chatFormat(template: GemmaTemplate()).prompt(problem))
    }
}
