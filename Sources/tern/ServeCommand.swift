import ArgumentParser
import Foundation
import TernEngine
import TernLM
import TernServer
import TernTokenizers

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model over an OpenAI-compatible HTTP API (chat, completions, embeddings).")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Address to bind; loopback unless you mean to expose it.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' on every /v1 request.") var apiKey: String?
    @Option(help: "Context size in tokens.") var ctx = 4096
    @Option(name: .customLong("max-queue"), help: "Refuse requests with 429 when this many are already waiting.") var maxQueue: Int?
    @OptionGroup var trace: TraceOptions

    func run() async throws {
        let loaded = try modelOptions.load()
        let local = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: min(ctx, loaded.model.contextLength),
                               maxQueue: maxQueue)
        let model = try trace.wrap(local)
        let server = OpenAIServer(models: [model], apiKey: apiKey)
        let host = self.host
        try await server.run(host: host, port: port) { bound in
            note("tern serve: \(local.name) on http://\(host):\(bound)/v1")
        }
    }
}

/// `--no-trace` and `--traces PATH`, shared by the commands that call models.
struct TraceOptions: ParsableArguments {
    @Flag(name: .customLong("no-trace"), help: "Do not record calls in the trace store (also: TERN_NO_TRACE=1).") var noTrace = false
    @Option(name: .customLong("traces"), help: "Trace database (default: <tern home>/traces.sqlite, or TERN_TRACES).") var path: String?

    var enabled: Bool { !noTrace && !TraceStore.disabledByEnvironment }

    /// Records a generation the CLI ran on the engine directly (`tern generate`), as a call.
    func record(generation r: GenerationResult, prompt: String, model: String, tokenizer: any Tokenizer,
                parameters: GenerationParameters, started: Date, firstToken: Date?) throws {
        guard enabled else { return }
        let finish: TernLM.FinishReason = r.finishReason == .length ? .length : .stop
        try TraceStore.open(path: path).record(TraceRecord(
            id: nil, spanID: Span.newID(), parentSpanID: nil, startedAt: started.timeIntervalSince1970, kind: "complete",
            backend: "local", model: model, messages: [Message.user(prompt)].canonicalJSON,
            renderedPrompt: tokenizer.decode(r.promptTokens, renderSpecial: true), parameters: parameters.canonicalJSON,
            output: r.text, choices: [Choice(text: r.text, tokenIDs: r.ids, finishReason: finish)].canonicalJSON,
            finishReason: finish.rawValue, promptTokens: r.promptTokens.count, completionTokens: r.ids.count,
            latency: Date().timeIntervalSince(started), timeToFirstToken: firstToken.map { $0.timeIntervalSince(started) },
            cacheHit: false, error: nil, rolloutID: nil))
    }

    /// `model`, recording its calls unless tracing is off.
    func wrap(_ model: any LanguageModel) throws -> any LanguageModel {
        guard enabled else { return model }
        return TracedModel(model, store: try TraceStore.open(path: path))
    }
}
