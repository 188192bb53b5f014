import Foundation
import TernEngine

extension LocalModel {
    /// Forking paths (`ForkingPaths`, Bigelow et al. 2024) after the raw `prompt`, on the engine
    /// thread in turn with the model's other requests: K resamples from every token of the base
    /// path (`options.basePath`, or the greedy one), and the outcome each reaches.
    public func forkingPaths(prompt: String, options: ForkingPaths.Options,
                             outcome: @escaping @Sendable (String) -> String?) async throws -> ForkingPaths.Report {
        let ids = try promptTokens(.text(prompt)).ids
        guard ids.count + options.maxTokens + options.slack < contextSize else {
            throw LMError.promptTooLong(tokens: ids.count + options.maxTokens + options.slack, context: contextSize)
        }
        return try await run { _ in try ForkingPaths(session: self.session).run(prompt: ids, options: options, outcome: outcome) }
    }
}
