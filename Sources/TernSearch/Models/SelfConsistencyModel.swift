import Foundation
import TernLM

/// A model made stronger with test-time compute, as one `LanguageModel`: each request samples
/// `samples` answers from the base model (one request with n, so the local engine forks them
/// from one prompt evaluation) and answers with one whose extracted answer is the most common
/// (self-consistency, as `MajorityVote`). Named "<base>+vote<samples>".
///
///     let strong = SelfConsistencyModel(base: gemma, samples: 8)
///     try await strong.complete(prompt)   // the majority answer of 8 samples
public struct SelfConsistencyModel: LanguageModel {
    public let base: any LanguageModel
    public let samples: Int
    public let temperature: Double
    public let extract: AnswerExtractorFunction
    public var name: String { "\(base.name)+vote\(samples)" }
    public var backend: String { "self-consistency" }
    public var capabilities: ModelCapabilities { base.capabilities }

    public init(base: any LanguageModel, samples: Int, temperature: Double = 0.8,
                extract: @escaping AnswerExtractorFunction = AnswerExtractor.answerLine) {
        self.base = base
        self.samples = max(1, samples)
        self.temperature = temperature
        self.extract = extract
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        var r = request
        r.parameters.n = samples
        if r.parameters.temperature == nil || r.parameters.temperature == 0 { r.parameters.temperature = temperature }
        var c = try await base.complete(r)
        let candidates = c.choices.map { Candidate(steps: [$0.text], answer: extract($0.text), complete: true) }
        let chosen = MajorityVote.select(candidates).flatMap { best in c.choices.first { $0.text == best.steps.first } } ?? c.choices.first
        c.choices = chosen.map { [$0] } ?? []
        c.model = name
        return c
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> { streamByCompleting(request) }

    public func score(_ prompt: Prompt, continuation: String) async throws -> Score {
        try await base.score(prompt, continuation: continuation)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] { try await base.embed(texts) }
}
