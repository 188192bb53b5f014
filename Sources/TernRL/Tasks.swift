import Foundation
import TernLM
import TernSearch

/// One prompt of a task with verifiable answers: the question as the user asks it, and the check
/// an answer must pass.
public struct TaskPrompt: Sendable {
    /// The problem itself (what the language-consistency reward reads the script of).
    public var question: String
    /// The user's message: the question with the task's instructions.
    public var message: String
    /// The expected answer, for logs and reports.
    public var expected: String
    public let verify: @Sendable (String) -> Bool

    public init(question: String, message: String, expected: String, verify: @escaping @Sendable (String) -> Bool) {
        self.question = question
        self.message = message
        self.expected = expected
        self.verify = verify
    }

    /// Whether `text` puts an answer the verifier accepts inside `<answer>…</answer>`.
    public func isCorrect(_ text: String) -> Bool {
        ThinkAnswer(text).answer.map(verify) ?? false
    }
}

/// Something to practise: prompts drawn for training, a held-out split training never sees, and
/// a verifier inside each prompt.
public protocol RLTask: Sendable {
    var name: String { get }
    /// `count` training prompts for `step`, the same for the same seed and step.
    func trainingPrompts(count: Int, step: Int, seed: UInt64) -> [TaskPrompt]
    /// The held-out prompts.
    var heldOut: [TaskPrompt] { get }
}

/// The seeded two-step word problems of `tern experiment ttc`. Held out: those 100 problems
/// (seed 1); training draws from other seeds and skips any question of the held-out set. With
/// `heldOutSteps: 3` the held-out set is 100 three-step problems instead, harder than anything
/// training draws.
public struct ArithmeticTask: RLTask {
    public var name: String { "arithmetic" }
    public let heldOutProblems: [ArithmeticProblem]
    let heldQuestions: Set<String>

    /// What the user's message asks for, before the problem.
    public static let instructions = """
        Solve the problem. Think step by step inside <think> </think>, then write only the final number \
        inside <answer> </answer>.
        """

    public init(heldOutCount: Int = 100, heldOutSeed: UInt64 = 1, heldOutSteps: Int = 2) {
        heldOutProblems = ArithmeticProblems.generate(count: heldOutCount, seed: heldOutSeed, steps: heldOutSteps)
        heldQuestions = Set(ArithmeticProblems.generate(count: max(100, heldOutCount), seed: heldOutSeed).map(\.question))
    }

    public var heldOut: [TaskPrompt] { heldOutProblems.map(Self.prompt) }

    public func trainingPrompts(count: Int, step: Int, seed: UInt64) -> [TaskPrompt] {
        trainingProblems(count: count, step: step, seed: seed).map(Self.prompt)
    }

    /// `count` problems for `step` (seeded), none of them held out.
    public func trainingProblems(count: Int, step: Int, seed: UInt64) -> [ArithmeticProblem] {
        let stream = ArithmeticProblems.generate(count: count + heldQuestions.count, seed: 0x5EED_0000 &+ seed &* 1_000_003 &+ UInt64(step))
        return Array(stream.filter { !heldQuestions.contains($0.question) }.prefix(count))
    }

    public static func prompt(_ p: ArithmeticProblem) -> TaskPrompt {
        let expected = p.answer
        return TaskPrompt(question: p.question, message: instructions + "\n\n" + p.question, expected: String(expected)) { answer in
            Self.number(in: answer) == expected
        }
    }

    /// The answer's number when it holds exactly one ("14", "14.", "14 apples"; not "14 or 15").
    public static func number(in answer: String) -> Int? {
        let numbers = answer.split(whereSeparator: { !$0.isNumber && $0 != "-" }).compactMap { Int($0) }
        return numbers.count == 1 ? numbers[0] : nil
    }

    /// The task as `tern experiment ttc --format tags` asks it: the user's message rendered by the
    /// chat template (generation prompt included), the answer read from `<answer>`, the end of the
    /// turn ending it.
    public static func chatFormat(template: any ChatTemplate) throws -> TTCExperiment.Format {
        let mark = "\u{1}QUESTION\u{1}"
        let parts = try template.render([.user(instructions + "\n\n" + mark)], addGenerationPrompt: true).components(separatedBy: mark)
        guard parts.count == 2 else { throw LMError.invalidRequest("the chat template repeats or drops the user's message") }
        let (before, after) = (parts[0], parts[1])
        return TTCExperiment.Format(name: "tags", prompt: { before + $0.question + after }, stop: []) { text in
            ThinkAnswer(text).answer.flatMap(number(in:)).map(String.init)
        }
    }
}
