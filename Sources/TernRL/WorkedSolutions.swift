import Foundation
import TernEngine
import TernSearch

/// Verified worked solutions sampled from the model itself (STaR; DeepSeek-R1's cold start;
/// rejection-sampling fine-tuning): each training problem is asked few-shot in the format of
/// `ArithmeticProblems` ("7 + 5 = 12.\n12 - 4 = 8.\nAnswer: 8"), `samples` answers are drawn,
/// and one is kept when its answer is right and every step in it is true arithmetic. The kept
/// solution becomes a chat in the tag format GRPO rewards: the task's question as the user turn,
/// `<think>` steps `</think>` `<answer>` N `</answer>` as the assistant's.
///
///     let kept = try WorkedSolutions(loaded: loaded, samples: 8, temperature: 0.7).collect(task.trainingPrompts(...))
public struct WorkedSolutions {
    public let loaded: LoadedModel
    public var samples: Int
    public var temperature: Float
    public var maxTokens = 96
    public var seed: UInt64 = 0

    public init(loaded: LoadedModel, samples: Int = 8, temperature: Float = 0.7) {
        self.loaded = loaded
        self.samples = samples
        self.temperature = temperature
    }

    /// One kept solution.
    public struct Solution: Codable, Sendable, Equatable {
        public var question: String
        public var steps: [String]
        public var answer: Int
        /// The chat to train on, in OpenAI's fine-tuning shape.
        public var messages: [[String: String]] {
            [["role": "user", "content": ArithmeticTask.instructions + "\n\n" + question],
             ["role": "assistant", "content": "<think>\n" + steps.joined(separator: "\n") + "\n</think>\n<answer>\(answer)</answer>"]]
        }
    }

    /// For each problem, the first of its samples that is right throughout (or none). `onKept`
    /// sees each solution as it is found (so a long run can write it at once), `onProblem`
    /// (problems done, solutions kept).
    public func collect(_ problems: [ArithmeticProblem], onKept: (Solution) throws -> Void = { _ in },
                        onProblem: (Int, Int) -> Void = { _, _ in }) throws -> [Solution] {
        let session = Session(loaded, contextSize: 1024)
        var kept: [Solution] = []
        for (k, p) in problems.enumerated() {
            let prompt = loaded.tokenizer.encode(ArithmeticProblems.prompt(for: p), addSpecial: true, parseSpecial: false)
            let options = (0..<samples).map { i in
                GenerationOptions(maxTokens: maxTokens, stop: ArithmeticProblems.stop,
                                  sampling: SamplingParameters(temperature: temperature, topK: 0, topP: 1, minP: 0,
                                                               seed: seed &* 1_000_003 &+ UInt64(k * 100 + i)))
            }
            let results = try ForkedGenerator(session: session).generate(tokens: prompt, options: options)
            if let s = results.lazy.compactMap({ Self.verified($0.text, problem: p) }).first {
                kept.append(s)
                try onKept(s)
            }
            onProblem(k + 1, kept.count)
        }
        return kept
    }

    /// `text` as a solution of `problem` when it is step lines ("a op b = c.", each true) and then
    /// "Answer: N" with the right N; else nil.
    public static func verified(_ text: String, problem: ArithmeticProblem) -> Solution? {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let last = lines.last, last.hasPrefix("Answer:"), ArithmeticTask.number(in: String(last.dropFirst(7))) == problem.answer,
              lines.count >= 2 else { return nil }
        let steps = Array(lines.dropLast())
        guard steps.allSatisfy(isTrueStep) else { return nil }
        return Solution(question: problem.question, steps: steps, answer: problem.answer)
    }

    /// "12 - 4 = 8." with the arithmetic right.
    static func isTrueStep(_ line: String) -> Bool {
        let parts = line.replacingOccurrences(of: ".", with: "").split(separator: " ")
        guard parts.count == 5, parts[3] == "=", let a = Int(parts[0]), let b = Int(parts[2]), let c = Int(parts[4]) else { return false }
        switch parts[1] {
        case "+": return a + b == c
        case "-": return a - b == c
        case "*", "×", "x": return a * b == c
        case "/": return b != 0 && a % b == 0 && a / b == c
        default: return false
        }
    }
}
