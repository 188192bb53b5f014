import Foundation
import TernLM

/// What a program runs with: the model, the adapter, generation settings, how often to re-ask, and
/// where to trace. Passed down through every module call.
///
///     let ctx = ProgramContext(lm: model)                 // ChatAdapter, greedy, one re-ask
///     let p = try await Predict("question -> answer").forward(["question": "2+2?"], context: ctx)
public struct ProgramContext: Sendable {
    public var lm: any LanguageModel
    public var adapter: any Adapter
    public var parameters: GenerationParameters
    /// Calls per prediction when a reply does not parse: 2 means one re-ask.
    public var maxAttempts: Int
    /// Where spans go; by default the store of a `TracedModel`.
    public var store: TraceStore?
    /// Advice for the next attempt (set by `Refine`), shown to every predictor as a `hint` input.
    public var hint: String?
    /// Distinguishes repeated samples of the same request (response cache, traces).
    public var rolloutID: String?
    /// Set by optimizers to collect what each predictor was asked and answered.
    var recorder: PredictionRecorder?

    public init(lm: any LanguageModel, adapter: any Adapter = ChatAdapter(),
                parameters: GenerationParameters = GenerationParameters(temperature: 0, maxTokens: 256),
                maxAttempts: Int = 2, store: TraceStore? = nil) {
        self.lm = lm
        self.adapter = adapter
        self.parameters = parameters
        self.maxAttempts = max(1, maxAttempts)
        self.store = store ?? (lm as? TracedModel)?.store
    }

    public func with(adapter: any Adapter) -> ProgramContext { var c = self; c.adapter = adapter; return c }
    public func with(lm: any LanguageModel) -> ProgramContext { var c = self; c.lm = lm; return c }
    public func with(temperature: Double, rollout: String?) -> ProgramContext {
        var c = self
        c.parameters.temperature = temperature
        c.rolloutID = rollout
        return c
    }

    /// Runs `body` in a traced span when there is a store.
    func span<T>(_ name: String, _ attributes: [String: JSONValue] = [:], _ body: () async throws -> T) async throws -> T {
        guard let store else { return try await body() }
        return try await store.span(name, attributes: attributes, body)
    }

    func annotate(_ attributes: [String: JSONValue]) {
        try? store?.annotate(attributes)
    }
}

/// Every prediction made while it is attached, as (predictor, inputs, outputs): the raw material of
/// bootstrapped demos.
final class PredictionRecorder: @unchecked Sendable {  // guarded by `lock`
    struct Entry { var predictor: ObjectIdentifier; var example: Example }
    private let lock = NSLock()
    private var items: [Entry] = []
    func add(_ e: Entry) { lock.withLock { items.append(e) } }
    var entries: [Entry] { lock.withLock { items } }
}
