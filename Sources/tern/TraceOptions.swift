import ArgumentParser
import Foundation
import TernEngine
import TernLM
import TernTokenizers

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
