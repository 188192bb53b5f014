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
    /// Whether samples that share a prompt are asked for in one request (n choices) and the
    /// requests of one step in one batch; off, every sample is its own request (naive
    /// repetition, the baseline that forking is measured against).
    public let forks: Bool
    private let lock = NSLock()
    private var _spend = SearchSpend()

    public init(lm: any LanguageModel, parameters: GenerationParameters = GenerationParameters(temperature: 0.8, maxTokens: 256),
                budget: SearchBudget = SearchBudget(), store: TraceStore? = nil, forks: Bool = true) {
        self.lm = lm
        self.parameters = parameters
        self.budget = budget
        self.store = store ?? (lm as? TracedModel)?.store
        self.forks = forks
    }

    public var spend: SearchSpend { lock.withLock { _spend } }

    /// `n` samples of a continuation of `prompt` in one request (the local engine forks them from
    /// one evaluation of the prompt). `stop` ends a step, as do the parameters' own stop strings.
    public func sample(_ prompt: Prompt, n: Int, stop: [String] = [], maxTokens: Int? = nil, temperature: Double? = nil,
                       rollout: String? = nil) async throws -> [Choice] {
        try await sample([prompt], n: n, stop: stop, maxTokens: maxTokens, temperature: temperature, rollouts: [rollout])[0]
    }

    /// `n` samples of each prompt, as one batch of requests (the local engine decodes them together
    /// and evaluates what the prompts share once): one list of choices per prompt.
    public func sample(_ prompts: [Prompt], n: Int, stop: [String] = [], maxTokens: Int? = nil, temperature: Double? = nil,
                       rollouts: [String?]? = nil) async throws -> [[Choice]] {
        guard !prompts.isEmpty else { return [] }
        let first = try lock.withLock {
            if let m = budget.maxCalls, _spend.calls + prompts.count > m {
                throw SearchError.overBudget("\(m) calls allowed, \(_spend.calls) spent, \(prompts.count) more asked for")
            }
            if let m = budget.maxTokens, _spend.generatedTokens >= m { throw SearchError.overBudget("\(m) generated tokens spent") }
            return _spend.calls
        }
        let requests = prompts.enumerated().map { k, prompt in
            var p = parameters
            p.n = n
            p.stop = parameters.stop + stop.filter { !parameters.stop.contains($0) }
            if let maxTokens { p.maxTokens = maxTokens }
            if let temperature { p.temperature = temperature }
            // Each call draws from its own seeds, so two subtrees expanding the same node do not
            // sample the same children: a named rollout's seeds follow from its name (the same
            // subtree samples the same in a larger search), others from the call's number.
            if let seed = parameters.seed {
                p.seed = (rollouts?[k] ?? nil).map { seed ^ Self.hash($0) } ?? seed &+ UInt64(first + k) << 20
            }
            return CompletionRequest(prompt, parameters: p, rolloutID: rollouts?[k] ?? nil)
        }
        guard forks else { return try await sampleOneByOne(requests) }
        let completions = requests.count == 1 ? [try await lm.complete(requests[0])] : try await lm.complete(batch: requests)
        for c in completions { charge(c) }
        return completions.map(\.choices)
    }

    /// Each choice of each request as a request of its own, with the seed the choice would have had.
    private func sampleOneByOne(_ requests: [CompletionRequest]) async throws -> [[Choice]] {
        var out: [[Choice]] = []
        for request in requests {
            var choices: [Choice] = []
            for i in 0..<request.parameters.n {
                var single = request
                single.parameters.n = 1
                single.parameters.seed = request.parameters.seed.map { $0 &+ UInt64(i) }
                let c = try await lm.complete(single)
                charge(c)
                choices += c.choices
            }
            out.append(choices)
        }
        return out
    }

    /// FNV-1a of the text: stable across runs and machines (unlike `Hasher`).
    static func hash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// Counts a call (a sample request, or one a scorer made).
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
