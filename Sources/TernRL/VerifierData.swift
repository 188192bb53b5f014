import Foundation
import TernLM
import TernSearch

/// Training data for verifiers, from the policy's own samples labelled by the task's exact check
/// (so nobody labels anything by hand):
///
/// - **Outcome reward model**: each sampled answer, asked as `OutcomeRewardModel.question`, is
///   answered " Yes" when its final answer is right, else " No".
/// - **Process reward model** (Math-Shepherd's "hard" estimate): an answer's steps are its lines,
///   as step-wise search cuts them; step k is good when some completion from steps 1…k reaches the
///   right answer. A right answer is itself such a completion for every one of its steps, and the
///   last step of a wrong one has none, so only the earlier steps of wrong answers are rolled out,
///   `rollouts` times each. Asked as `ProcessRewardModel.question`.
///
/// The questions are the ones the scorers ask in `TernSearch`, so the trained verifier plugs into
/// beam search, DVTS and best-of-N unchanged (`tern experiment ttc --verifier-lora`).
///
///     let data = VerifierData(policy: model)
///     let examples = try await data.examples(question: q, prompt: text, index: 0) { task.isCorrect($0) }
public struct VerifierData: Sendable {
    public let policy: any LanguageModel
    public var samples = 4
    public var rollouts = 4
    public var temperature = 0.8
    public var maxTokens = 96
    /// Where one step ends (kept in the step), as in `tern experiment ttc`'s step-wise searches.
    public var delimiter = "\n"
    public var seed: UInt64 = 0
    /// Sequences asked for in one request (the local engine decodes at most 64 together).
    public var batch = 32

    public init(policy: any LanguageModel) { self.policy = policy }

    /// One training example for `tern train sft` (a prompt and its completion).
    public struct Example: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case outcome, process }
        public var prompt: String
        public var completion: String
        public var kind: Kind
        public var label: Bool

        public init(prompt: String, kind: Kind, label: Bool) {
            self.prompt = prompt
            completion = label ? " Yes" : " No"
            self.kind = kind
            self.label = label
        }
    }

    /// `text` cut into steps at the delimiter, each keeping it (the last may end without one).
    public func steps(of text: String) -> [String] {
        var parts = text.components(separatedBy: delimiter)
        let last = parts.removeLast()
        return parts.map { $0 + delimiter } + (last.isEmpty ? [] : [last])
    }

    /// The outcome and process examples of `samples` answers to one problem. `prompt` is the text
    /// the policy continues (a chat template's rendering), `question` the problem as the verifier
    /// reads it, `index` seeds the samples.
    public func examples(question: String, prompt: String, index: Int,
                         isCorrect: @escaping @Sendable (String) -> Bool) async throws -> [Example] {
        let context = SearchContext(lm: policy, parameters: GenerationParameters(temperature: temperature,
                                                                                  seed: seed &* 1_000_003 &+ UInt64(index), maxTokens: maxTokens))
        let answers = try await context.sample(.text(prompt), n: samples).map(\.text)
        var out: [Example] = []
        var wrong: [(steps: [String], k: Int)] = []
        for text in answers {
            let right = isCorrect(text), steps = self.steps(of: text)
            guard !steps.isEmpty else { continue }
            out.append(Example(prompt: OutcomeRewardModel.question(problem: question, solution: text), kind: .outcome, label: right))
            for k in steps.indices where right || k == steps.count - 1 {
                out.append(Example(prompt: ProcessRewardModel.question(problem: question, steps: Array(steps[...k])), kind: .process, label: right))
            }
            if !right { wrong += (0..<(steps.count - 1)).map { (steps, $0) } }
        }
        // Every earlier step of every wrong answer, rolled out in batches of `batch` sequences.
        let prefixes = wrong.map { $0.steps[...$0.k].joined() }
        var completions: [[Choice]] = []
        let perRequest = max(1, batch / rollouts)
        for start in stride(from: 0, to: prefixes.count, by: perRequest) {
            let part = prefixes[start..<min(prefixes.count, start + perRequest)]
            completions += try await context.sample(part.map { .text(prompt + $0) }, n: rollouts)
        }
        for ((steps, k), (prefix, choices)) in zip(wrong, zip(prefixes, completions)) {
            let good = choices.contains { isCorrect(prefix + $0.text) }
            out.append(Example(prompt: ProcessRewardModel.question(problem: question, steps: Array(steps[...k])), kind: .process, label: good))
        }
        return out
    }
}
