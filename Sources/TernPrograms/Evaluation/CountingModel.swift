import Foundation
import TernLM

/// A hard limit on what a run may spend. nil means no limit.
public struct Budget: Sendable, Hashable, Codable {
    public var maxCalls: Int?
    public var maxTokens: Int?
    public init(maxCalls: Int? = nil, maxTokens: Int? = nil) {
        self.maxCalls = maxCalls
        self.maxTokens = maxTokens
    }
    public static let unlimited = Budget()
}

/// Any `LanguageModel`, with its calls and tokens counted, and refused with `ProgramError.overBudget`
/// once a `Budget` is spent.
public final class CountingModel: LanguageModel, @unchecked Sendable {  // counters guarded by `lock`
    public let base: any LanguageModel
    public let budget: Budget
    private let lock = NSLock()
    private var _calls = 0
    private var _tokens = 0

    public init(_ base: any LanguageModel, budget: Budget = .unlimited) {
        self.base = base
        self.budget = budget
    }

    public var name: String { base.name }
    public var backend: String { base.backend }
    public var capabilities: ModelCapabilities { base.capabilities }
    public var calls: Int { lock.withLock { _calls } }
    /// Prompt and completion tokens, as the backend reported them.
    public var tokens: Int { lock.withLock { _tokens } }

    private func admit() throws {
        try lock.withLock {
            if let m = budget.maxCalls, _calls >= m { throw ProgramError.overBudget("the budget of \(m) calls is spent") }
            if let m = budget.maxTokens, _tokens >= m { throw ProgramError.overBudget("the budget of \(m) tokens is spent") }
            _calls += 1
        }
    }

    private func spend(_ usage: Usage) { lock.withLock { _tokens += usage.totalTokens } }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try admit()
        let c = try await base.complete(request)
        spend(c.usage)
        return c
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> {
        streamByCompleting(request)
    }

    public func score(_ prompt: Prompt, continuation: String) async throws -> Score {
        try admit()
        return try await base.score(prompt, continuation: continuation)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try admit()
        return try await base.embed(texts)
    }
}
