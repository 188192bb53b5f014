import ArgumentParser
import Foundation
import TernLM
import TernStore

/// One chat turn through the `LanguageModel` interface: the local engine, or any OpenAI-compatible
/// server with `--base-url` (vLLM, llama.cpp's server, Ollama, OpenAI, another `tern serve`).
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one chat message to a local model or an OpenAI-compatible server, streaming the answer.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .customLong("base-url"), help: "An OpenAI-compatible API, e.g. http://127.0.0.1:8080/v1 (its key from OPENAI_API_KEY).")
    var baseURL: String?
    @Option(help: "A system message (default: the one a tuned model was trained with, if any).") var system: String?
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Double?
    @Option(help: "Random seed.") var seed: UInt64?
    @Option(name: [.customShort("n"), .customLong("max-tokens")], help: "Most tokens to generate.") var maxTokens = 256
    @Flag(help: "Print the completion as JSON (text, usage, latency) instead of streaming it.") var json = false
    @OptionGroup var trace: TraceOptions
    @Argument(help: "The user's message.") var message: String

    func run() async throws {
        let base: any LanguageModel
        var trained: String?
        if let baseURL {
            base = OpenAICompatibleModel(baseURL: baseURL, model: modelOptions.model)
        } else {
            let resolved = try ModelStore().resolveModel(modelOptions.model)
            // A tuned model trained with a system message (gemma3-270m-math's task instruction) gets it by default.
            trained = resolved.system
            let loaded = try modelOptions.load(resolved: resolved)
            base = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: min(4096, loaded.model.contextLength))
        }
        let model = try trace.wrap(base)
        var messages: [Message] = (system ?? trained).map { [.system($0)] } ?? []
        messages.append(.user(message))
        let request = CompletionRequest(.chat(messages), parameters: GenerationParameters(temperature: temperature, seed: seed, maxTokens: maxTokens))
        if json {
            let c = try await model.complete(request)
            let out: JSONValue = .object([
                "model": .string(c.model), "text": .string(c.text),
                "finish_reason": .string(c.choices.first?.finishReason.rawValue ?? ""),
                "prompt_tokens": .number(Double(c.usage.promptTokens)), "completion_tokens": .number(Double(c.usage.completionTokens)),
                "seconds": .number(c.latency.seconds), "time_to_first_token": c.latency.timeToFirstToken.map { .number($0) } ?? .null,
            ])
            print(out.canonicalJSON)
            return
        }
        for try await chunk in model.stream(request) {
            switch chunk {
            case .text(_, let t, _): emit(t)
            case .done(let c):
                emit("\n")
                let ttft = c.latency.timeToFirstToken.map { String(format: "%.2f s to first token, ", $0) } ?? ""
                note("[\(c.usage.promptTokens) prompt tokens, \(c.usage.completionTokens) generated, \(ttft)\(String(format: "%.2f s", c.latency.seconds))]")
            }
        }
    }
}
