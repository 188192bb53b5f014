import ArgumentParser
import Foundation
import TernEngine
import TernEnsembles
import TernLM
import TernServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model over an OpenAI-compatible HTTP API (chat, completions, embeddings).")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Address to bind; loopback unless you mean to expose it.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' on every /v1 request.") var apiKey: String?
    @Option(help: "Context size in tokens.") var ctx = 4096
    @Option(name: .customLong("max-queue"), help: "Refuse requests with 429 when this many are already waiting.") var maxQueue: Int?
    @Option(name: .customLong("embedding-model"),
            help: "Also serve this embedding model (e.g. minilm-l6) on /v1/embeddings, for requests that name it.")
    var embeddingModel: String?
    @Option(name: .customLong("self-moa"),
            help: "Also serve self-MoA of the model as 'self-moa-N': N samples at temperature 0.7, then the model aggregates them.")
    var selfMoA: Int?
    @Option(name: .customLong("adapter"),
            help: "Also serve the model with a LoRA adapter as its own model name, NAME=ADAPTER.gguf; repeatable. The weights are shared.")
    var adapters: [String] = []
    @OptionGroup var trace: TraceOptions

    func run() async throws {
        let loaded = try modelOptions.load()
        let local = try LocalModel(loaded: loaded, name: modelOptions.model, contextSize: min(ctx, loaded.model.contextLength),
                               maxQueue: maxQueue)
        let model = try trace.wrap(local)
        var models: [any LanguageModel] = [model]
        for spec in adapters {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CommandError("--adapter \(spec): write NAME=ADAPTER.gguf")
            }
            guard FileManager.default.fileExists(atPath: parts[1]) else { throw CommandError("--adapter \(spec): no such file \(parts[1])") }
            let tuned = try LoadedModel(loaded, adapters: [(parts[1], modelOptions.loraScale)])
            models.append(try trace.wrap(try LocalModel(loaded: tuned, name: parts[0], contextSize: min(ctx, loaded.model.contextLength),
                                                        maxQueue: maxQueue)))
        }
        if let n = selfMoA {
            guard n > 0 else { throw CommandError("--self-moa takes a number of samples, at least 1") }
            models.append(MixtureOfAgents.selfMoA(name: "self-moa-\(n)", model: model, samples: n))
        }
        if let name = embeddingModel { models.append(try trace.wrap(try Embed.load(name, threads: modelOptions.threads))) }
        let server = OpenAIServer(models: models, apiKey: apiKey, traces: trace.enabled ? try TraceStore.open(path: trace.path) : nil)
        let host = self.host, names = models.map(\.name).joined(separator: ", ")
        try await server.run(host: host, port: port) { bound in
            note("tern serve: \(names) on http://\(host):\(bound)/v1, the playground on http://\(host):\(bound)/")
        }
    }
}
