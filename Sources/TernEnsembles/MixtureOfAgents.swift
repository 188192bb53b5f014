import Foundation
import TernLM

/// Mixture-of-Agents (Wang et al., 2024, "Mixture-of-Agents Enhances Large Language Model
/// Capabilities"): layers of proposers answer the request, each layer after the first seeing the
/// previous layer's answers as references to synthesize and critique, and an aggregator writes
/// the final answer from the last layer's. Proposers of a layer run concurrently. It is itself a
/// `LanguageModel`, so `tern serve` can serve it and programs can call it; with a trace store the
/// whole tree nests under one "moa" span, a "layer k" span per layer.
///
///     let moa = MixtureOfAgents(name: "moa", layers: [[.init(a), .init(b), .init(c)]], aggregator: a)
///     let solo = MixtureOfAgents.selfMoA(name: "self-moa", model: a, samples: 4)   // one model, 4 samples
///     let answer = try await moa.chat([.user("Why is the sky blue?")])
public struct MixtureOfAgents: LanguageModel {
    /// A proposer: a model, and optionally the temperature it samples at.
    public struct Proposer: Sendable {
        public var model: any LanguageModel
        public var temperature: Double?
        public init(_ model: any LanguageModel, temperature: Double? = nil) {
            self.model = model
            self.temperature = temperature
        }
    }

    public let name: String
    public var backend: String { "mixture-of-agents" }
    public var capabilities: ModelCapabilities { [] }
    /// Proposer layers, first to last; the aggregator follows the last.
    public let layers: [[Proposer]]
    public let aggregator: any LanguageModel
    public let store: TraceStore?

    /// - Parameter store: where the "moa" span is recorded; by default the aggregator's, when it
    ///   is a `TracedModel`.
    public init(name: String, layers: [[Proposer]], aggregator: any LanguageModel, store: TraceStore? = nil) {
        precondition(layers.allSatisfy { !$0.isEmpty }, "every layer needs a proposer")
        self.name = name
        self.layers = layers
        self.aggregator = aggregator
        self.store = store ?? (aggregator as? TracedModel)?.store
    }

    /// Self-MoA: one model sampled `samples` times per layer (at `temperature`), then aggregating.
    public static func selfMoA(name: String, model: any LanguageModel, samples: Int, layers: Int = 1,
                               temperature: Double = 0.7, store: TraceStore? = nil) -> MixtureOfAgents {
        let layer = Array(repeating: Proposer(model, temperature: temperature), count: samples)
        return MixtureOfAgents(name: name, layers: Array(repeating: layer, count: layers), aggregator: model, store: store)
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try await run(request).answer
    }

    /// The aggregated answer (its usage summing every call) and each layer's proposals.
    public func run(_ request: CompletionRequest) async throws -> (answer: Completion, layers: [[Completion]]) {
        try await traced("moa", ["layers": .number(Double(layers.count)), "proposers": .number(Double(layers.map(\.count).reduce(0, +)))]) {
            let start = Date()
            var references: [String] = [], usage = Usage(promptTokens: 0, completionTokens: 0), proposals: [[Completion]] = []
            for (k, layer) in layers.enumerated() {
                let answers = try await traced("layer \(k + 1)", [:]) { try await propose(layer, layer: k, request: request, references: references) }
                for a in answers { usage.promptTokens += a.usage.promptTokens; usage.completionTokens += a.usage.completionTokens }
                references = answers.map(\.text)
                proposals.append(answers)
            }
            var final = try await aggregator.complete(Self.withReferences(request, references))
            final.usage.promptTokens += usage.promptTokens
            final.usage.completionTokens += usage.completionTokens
            final.model = name
            final.latency = Latency(seconds: Date().timeIntervalSince(start), timeToFirstToken: nil)
            return (final, proposals)
        }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> { streamByCompleting(request) }

    /// Scores are the aggregator's: proposals say nothing about a fixed continuation.
    public func score(_ prompt: Prompt, continuation: String) async throws -> Score {
        try await aggregator.score(prompt, continuation: continuation)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] { try await aggregator.embed(texts) }

    /// One layer's answers, in proposer order, asked concurrently. Each proposer gets its own
    /// rollout id (so a cache or seed does not make copies of one model answer alike).
    private func propose(_ layer: [Proposer], layer k: Int, request: CompletionRequest, references: [String]) async throws -> [Completion] {
        try await withThrowingTaskGroup(of: (Int, Completion).self) { group in
            for (i, p) in layer.enumerated() {
                var r = Self.withReferences(request, references)
                r.parameters.n = 1
                if let t = p.temperature { r.parameters.temperature = t }
                if let seed = r.parameters.seed { r.parameters.seed = seed &+ UInt64(1000 * k + i) }
                r.rolloutID = [request.rolloutID, "moa-\(k)-\(i)"].compactMap { $0 }.joined(separator: "/")
                group.addTask { (i, try await p.model.complete(r)) }
            }
            var out = [Completion?](repeating: nil, count: layer.count)
            for try await (i, c) in group { out[i] = c }
            return out.map { $0! }
        }
    }

    /// The request with the references in front: as a system message for a chat (after the
    /// chat's own system message, if any), as a preamble for a raw prompt. No references: as is.
    static func withReferences(_ request: CompletionRequest, _ references: [String]) -> CompletionRequest {
        guard !references.isEmpty else { return request }
        let block = aggregationInstructions + "\n\n" + references.enumerated().map { "Response \($0.offset + 1):\n\($0.element)" }
            .joined(separator: "\n\n")
        var r = request
        switch request.prompt {
        case .chat(var messages):
            if let first = messages.first, first.role == .system {
                messages[0].content = first.content + "\n\n" + block
            } else {
                messages.insert(.system(block), at: 0)
            }
            r.prompt = .chat(messages)
        case .text(let text):
            r.prompt = .text(block + "\n\n" + text)
        }
        return r
    }

    /// What an aggregating model is told (the synthesize-and-critique prompt, in Tern's words).
    public static let aggregationInstructions = """
        Several assistants have answered the request below; their responses follow. Write one answer \
        of your own that is better than each of them. Judge the responses critically: some may be \
        wrong, biased or incomplete. Keep what is correct, fix or drop what is not, and do not just \
        copy one response. Answer in a clear, well-organised way.
        """

    private func traced<T>(_ span: String, _ attributes: [String: JSONValue], _ body: () async throws -> T) async throws -> T {
        guard let store else { return try await body() }
        return try await store.span(span, attributes: attributes, body)
    }
}
