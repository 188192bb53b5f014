import ArgumentParser
import Foundation
import TernEngine
import TernLM
import TernTokenizers

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a prompt, streaming the text to stdout.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Sampling temperature; 0 picks the most likely token (greedy).") var temperature: Float = 0.8
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0: all).") var topK: Int = 40
    @Option(name: .customLong("top-p"), help: "Nucleus sampling threshold (1: off).") var topP: Float = 0.95
    @Option(name: .customLong("min-p"), help: "Drop tokens below this fraction of the best one's probability.") var minP: Float = 0.05
    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty (1: off).") var repeatPenalty: Float = 1
    @Option(name: .customLong("presence-penalty")) var presencePenalty: Float = 0
    @Option(name: .customLong("frequency-penalty")) var frequencyPenalty: Float = 0
    @Option(name: .customLong("repeat-last-n"), help: "Tokens the penalties look back over.") var repeatLastN: Int = 64
    @Option(help: "Random seed, for reproducible sampling.") var seed: UInt64?
    @Option(name: [.customShort("n"), .customLong("max-tokens")], help: "Most tokens to generate.") var maxTokens: Int = 128
    @Flag(name: .customLong("ignore-eos"), help: "Keep going past end-of-sequence.") var ignoreEOS = false
    @Option(help: "Stop when this text appears (repeatable).") var stop: [String] = []
    @Option(help: "Report the K most likely tokens at each step (with --json).") var logprobs: Int = 0
    @Option(help: "Context size in tokens.") var ctx: Int = 4096
    @Flag(help: "Print one JSON object with ids, text and top_logprobs.") var json = false
    @Option(help: "Constrain the output to JSON valid against the schema in this file.") var schema: String?
    @Flag(name: .customLong("json-object"), help: "Constrain the output to a JSON object.") var jsonObject = false
    @OptionGroup var samplers: SamplerOptions
    @OptionGroup var trace: TraceOptions
    @Argument(help: "The prompt.") var prompt: String

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be ≥ 0") }
        guard ctx > 0 else { throw ValidationError("--ctx must be > 0") }
        guard logprobs >= 0 else { throw ValidationError("--logprobs must be ≥ 0") }
        guard schema == nil || !jsonObject else { throw ValidationError("give --schema or --json-object, not both") }
    }

    func run() throws {
        let loaded = try modelOptions.load()
        let session = Session(loaded, contextSize: min(ctx, loaded.model.contextLength))
        var options = GenerationOptions(
            maxTokens: maxTokens, stop: stop, ignoreEOS: ignoreEOS, logprobs: logprobs,
            sampling: SamplingParameters(
                temperature: temperature, topK: topK, topP: topP, minP: minP,
                repetitionPenalty: repeatPenalty, frequencyPenalty: frequencyPenalty,
                presencePenalty: presencePenalty, penaltyLastN: repeatLastN, seed: seed))
        samplers.settings.apply(to: &options.sampling, tokenizer: loaded.tokenizer)
        let (format, grammar) = try responseFormat()
        if let grammar { options.constraint = ConstraintTables(loaded.tokenizer).constraint(grammar) }
        if !json { emit(prompt) }
        let started = Date()
        var firstText: Date?
        let result = try Generator(session: session).generate(prompt, options: options) { text in
            if firstText == nil { firstText = Date() }
            if !json { emit(text) }
        }
        try trace.record(generation: result, prompt: prompt, model: modelOptions.model, tokenizer: loaded.tokenizer,
                         parameters: GenerationParameters(temperature: Double(temperature), topP: Double(topP), topK: topK,
                                                          minP: Double(minP), seed: seed, maxTokens: maxTokens, stop: stop,
                                                          logprobs: logprobs > 0, topLogprobs: logprobs, responseFormat: format),
                         started: started, firstToken: firstText)
        if json {
            let out = GenerateJSON(ids: result.ids, text: result.text,
                                   top_logprobs: result.topLogprobs.map { $0.map { LogprobPair(id: $0.id, logprob: $0.logprob) } })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            emit(String(decoding: try encoder.encode(out), as: UTF8.self) + "\n")
        } else {
            emit("\n")
            note(String(format: "[%d prompt tokens in %.2f s, %d tokens at %.1f tok/s, finish: %@]",
                        result.promptTokens.count, result.promptSeconds, result.ids.count,
                        result.tokensPerSecond, result.finishReason.rawValue))
        }
    }
}

extension Generate {
    /// The format asked for, and its grammar (compiled from the file's text, so properties keep
    /// the order they are written in).
    func responseFormat() throws -> (ResponseFormat?, JSONGrammar?) {
        if jsonObject { return (.jsonObject, .anyJSONObject) }
        guard let schema else { return (nil, nil) }
        guard let data = FileManager.default.contents(atPath: schema) else {
            throw ValidationError("cannot read the schema file \(schema)")
        }
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw ValidationError("\(schema) is not JSON: \(error.localizedDescription)")
        }
        do { return (.jsonSchema(name: "schema", schema: value), try JSONGrammar(schemaJSON: String(decoding: data, as: UTF8.self))) } catch {
            throw ValidationError("\(schema): \(error)")
        }
    }
}

/// `tern generate --json` output: {"ids": [...], "text": "...", "top_logprobs": [[[id, logprob], ...], ...]}
struct GenerateJSON: Encodable {
    let ids: [Int]
    let text: String
    let top_logprobs: [[LogprobPair]]
}

struct LogprobPair: Encodable {
    let id: Int
    let logprob: Double
    func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(id)
        try c.encode(logprob)
    }
}
