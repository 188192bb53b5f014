/// How a judge (`PairwiseJudge`, `RubricGrader`) gets its answer from the model.
public enum JudgeMode: String, Sendable, Codable, CaseIterable {
    /// The judge writes its verdict or grade, which is parsed: for chat models.
    case generate
    /// The verdict or grade is read off the model's probabilities of its possible next tokens
    /// after a plain-text prompt: for base models, and it never fails to parse.
    case likelihood
}
