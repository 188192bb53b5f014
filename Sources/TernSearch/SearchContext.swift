import Foundation
import TernLM

/// A hard limit on what a search may spend, in generated tokens and calls; nil means no limit.
public struct SearchBudget: Sendable, Hashable {
    public var maxTokens: Int?
    public var maxCalls: Int?
    public init(maxTokens: Int? = nil, maxCalls: Int? = nil) {
        self.maxTokens = maxTokens
        self.maxCalls = maxCalls
    }
}

/// What a search spent.
public struct SearchSpend: Sendable, Hashable, Codable {
    public var calls = 0
    public var promptTokens = 0
    public var generatedTokens = 0
}

public enum SearchError: Error, Sendable, Equatable, CustomStringConvertible {
    case overBudget(String)
    case noCandidates
    case invalidPrompt(String)
    public var description: String {
        switch self {
        case .overBudget(let m): return "over budget: \(m)"
        case .invalidPrompt(let m): return "invalid prompt: \(m)"
        case .noCandidates: return "the search produced no candidate"
        }
    }
}

/// The model a search samples from, its sampling settings, its budget, and the trace store its
/// candidates are recorded in (by default the store of a `TracedModel`). Counts what is spent.
public final class SearchContext: @unchecked Sendable {  // `spend` guarded by `lock`
    public let lm: any LanguageModel
    public let parameters: GenerationParameters
    public let budget: SearchBudget
    public let store: TraceStore?
    private let lock = NSLock()
    private var _spend = SearchSpend()

    public init(lm: any LanguageModel, parameters: GenerationParameters = GenerationParameters(temperature: 0.8, maxTokens: 256),
                budget: SearchBudget = SearchBudget(), store: TraceStore? = nil) {
        self.lm = lm
        self.parameters = parameters
        self.budget = budget
        self.store = store ?? (lm as? TracedModel)?.store
    }

    public var spend: SearchSpend { lock.withLock { _spend } }

    /// `n` samples of a continuation of `prompt` in one request (the local engine forks them from
    /// one evaluation of the prompt). `stop` ends a step.
    public func sample(_ prompt: Prompt, n: Int, stop: [String] = [], maxTokens: Int? = nil, temperature: Double? = nil,
                       rollout: String? = nil) async throws -> [Choice] {
        try lock.withLock {
            if let m = budget.maxCalls, _spend.calls >= m { throw SearchError.overBudget("\(m) calls spent") }
            if let m = budget.maxTokens, _spend.generatedTokens >= m { throw SearchError.overBudget("\(m) generated tokens spent") }
        }
        var p = parameters
        p.n = n
        p.stop = stop
        if let maxTokens { p.maxTokens = maxTokens }
        if let temperature { p.temperature = temperature }
        let c = try await lm.complete(CompletionRequest(prompt, parameters: p, rolloutID: rollout))
        lock.withLock {
            _spend.calls += 1
            _spend.promptTokens += c.usage.promptTokens
            _spend.generatedTokens += c.usage.completionTokens
        }
        return c.choices
    }

    /// Counts a call a scorer made.
    func charge(_ completion: Completion?) {
        lock.withLock {
            _spend.calls += 1
            if let c = completion {
                _spend.promptTokens += c.usage.promptTokens
                _spend.generatedTokens += c.usage.completionTokens
            }
        }
    }

    /// Runs `body` in a traced span when there is a store; records `attributes` on it at the end.
    func span<T>(_ name: String, _ body: () async throws -> (T, [String: JSONValue])) async throws -> T {
        guard let store else { return try await body().0 }
        return try await store.span(name) {
            let (value, attributes) = try await body()
            try store.annotate(attributes)
            return value
        }
    }
}
