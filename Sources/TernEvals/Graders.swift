import Foundation
import TernEnsembles
import TernLM

/// The models behind the model-graded assertions: an embedding model (`similar`), a grader
/// (`llm-rubric` with `RubricGrader`, `pairwise` with `PairwiseJudge`, both orders), and the
/// provider itself for `perplexity`. Each is made on first use.
public struct Graders: Sendable {
    /// Makes the embedding model (MiniLM by default) when a `similar` assertion first needs it.
    public var embedder: @Sendable () async throws -> any LanguageModel
    /// The grading model; nil: the provider grades its own outputs.
    public var grader: (any LanguageModel)?
    /// The provider whose output is checked (set per call by the runner).
    public var provider: (any LanguageModel)?
    /// How the grader answers (likelihood for a base model, generate for a chat model).
    public var mode: JudgeMode

    public init(embedder: @escaping @Sendable () async throws -> any LanguageModel, grader: (any LanguageModel)? = nil,
                provider: (any LanguageModel)? = nil, mode: JudgeMode = .generate) {
        self.embedder = embedder
        self.grader = grader
        self.provider = provider
        self.mode = mode
    }

    private var judgeModel: any LanguageModel {
        get throws {
            guard let m = grader ?? provider else { throw Suite.SuiteError("a model-graded assertion needs a grader (set 'grader' in the suite)") }
            return m
        }
    }

    func similarity(_ a: String, _ b: String) async throws -> Double {
        let v = try await embedder().embed([a, b])
        guard v.count == 2 else { throw Suite.SuiteError("the embedding model returned \(v.count) vectors for 2 texts") }
        return Double(EmbeddingModel.cosine(v[0], v[1]))
    }

    func grade(question: String, answer: String, rubric: String) async throws -> (score: Double, reason: String) {
        let g = try await RubricGrader(model: judgeModel, rubric: rubric, scale: 1...10, mode: mode).grade(question: question, answer: answer)
        return (g.value, g.reason.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The output against a reference, asked in both orders: at least as good unless the reference
    /// wins in both (a split verdict is a tie).
    func compare(question: String, output: String, reference: String) async throws -> (atLeastAsGood: Bool, reason: String) {
        let j = try await PairwiseJudge(model: judgeModel, mode: mode).compare(question: question, a: output, b: reference)
        let said = "output first: \(j.inOrder?.rawValue ?? "?"), reference first: \(j.swapped?.rawValue ?? "?")"
        return (j.verdict != .b, "verdict \(j.verdict == .a ? "output" : j.verdict == .b ? "reference" : "tie") (\(said))")
    }

    /// exp of the mean negative logprob of the output's tokens after its prompt, under the provider.
    func perplexity(_ o: Output) async throws -> Double {
        guard let p = provider else { throw Suite.SuiteError("perplexity needs the provider's model") }
        let s = try await p.score(.chat(o.messages), continuation: o.text)
        guard !s.tokens.isEmpty else { return 1 }
        return exp(-s.total / Double(s.tokens.count))
    }
}
