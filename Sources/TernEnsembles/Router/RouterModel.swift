import Foundation
import TernLM

/// A trained router in front of a weak and a strong model, as one `LanguageModel` named
/// `router:<weak>,<strong>@<threshold>`: each request's prompt is embedded, and it goes to the
/// strong model when the router's P(prefer strong) exceeds the threshold. With a trace store the
/// decision is recorded on a "route" span around the chosen model's call.
///
///     let model = RouterModel(router: router, weak: small, strong: large, embedder: minilm, threshold: 0.3)
///     model.name   // "router:gemma3-270m,best-of-8@0.3"
public struct RouterModel: LanguageModel {
    public let router: RoRFRouter
    public let weak: any LanguageModel
    public let strong: any LanguageModel
    public let embedder: any LanguageModel
    public let threshold: Double
    public let store: TraceStore?
    public var name: String { "router:\(weak.name),\(strong.name)@\(Self.format(threshold))" }
    public var backend: String { "router" }
    public var capabilities: ModelCapabilities { weak.capabilities.intersection(strong.capabilities) }

    public init(router: RoRFRouter, weak: any LanguageModel, strong: any LanguageModel, embedder: any LanguageModel,
                threshold: Double, store: TraceStore? = nil) {
        self.router = router
        self.weak = weak
        self.strong = strong
        self.embedder = embedder
        self.threshold = threshold
        self.store = store ?? (weak as? TracedModel)?.store
    }

    /// Up to four decimals, without trailing zeros: 0.3, 0.125.
    static func format(_ x: Double) -> String {
        var s = String(format: "%.4f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// The text a request is routed on: its messages' contents, one per line.
    static func routingText(_ prompt: Prompt) -> String { prompt.messages.map(\.content).joined(separator: "\n") }

    /// P(prefer strong) for a prompt, and the model it goes to.
    public func route(_ prompt: Prompt) async throws -> (preferStrong: Double, model: any LanguageModel) {
        let e = try await embedder.embed([Self.routingText(prompt)])[0]
        let p = router.preferStrong(e)
        return (p, p > threshold ? strong : weak)
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try await traced(request) { model in try await model.complete(request) }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let (_, model) = try await route(request.prompt)
                    for try await chunk in model.stream(request) { continuation.yield(chunk) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func score(_ prompt: Prompt, continuation: String) async throws -> Score {
        try await route(prompt).model.score(prompt, continuation: continuation)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] { try await embedder.embed(texts) }

    private func traced(_ request: CompletionRequest, _ body: (any LanguageModel) async throws -> Completion) async throws -> Completion {
        let (p, model) = try await route(request.prompt)
        let attributes: [String: JSONValue] = ["prefer_strong": .number(p), "threshold": .number(threshold), "chosen": .string(model.name)]
        var c: Completion
        if let store {
            c = try await store.span("route", attributes: attributes) { try await body(model) }
        } else {
            c = try await body(model)
        }
        c.model = name
        return c
    }
}
