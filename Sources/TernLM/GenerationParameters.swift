/// How a model should answer: the OpenAI API's request fields, with llama.cpp's samplers.
/// nil means "the backend's default".
///
///     var p = GenerationParameters(temperature: 0, maxTokens: 32)
///     p.stop = ["\n"]
public struct GenerationParameters: Sendable, Hashable, Codable {
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var minP: Double?
    public var seed: UInt64?
    public var maxTokens: Int?
    public var stop: [String]
    /// Number of choices to generate.
    public var n: Int
    /// Report the log-probability of each generated token, and of the `topLogprobs` most likely.
    public var logprobs: Bool
    public var topLogprobs: Int
    public var responseFormat: ResponseFormat?
    /// The engine's further samplers (llama.cpp's request fields); nil leaves each off.
    public var samplers: SamplerSettings?
    /// Functions the model may call (nil or empty: none), whether it must, and whether it may
    /// call several at once (nil: yes). Answers come back in `Choice.toolCalls`.
    public var tools: [ToolDefinition]?
    public var toolChoice: ToolChoice?
    public var parallelToolCalls: Bool?

    public init(temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, minP: Double? = nil,
                seed: UInt64? = nil, maxTokens: Int? = nil, stop: [String] = [], n: Int = 1,
                logprobs: Bool = false, topLogprobs: Int = 0, responseFormat: ResponseFormat? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.minP = minP
        self.seed = seed
        self.maxTokens = maxTokens
        self.stop = stop
        self.n = n
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
        self.responseFormat = responseFormat
    }

    public static let greedy = GenerationParameters(temperature: 0)
}

/// The shape an answer must have (OpenAI's `response_format`).
public enum ResponseFormat: Sendable, Hashable, Codable {
    case text
    case jsonObject
    /// A JSON schema the answer must validate against, with its name.
    case jsonSchema(name: String, schema: JSONValue)
}

/// Samplers beyond the OpenAI API's, as llama.cpp's server names them in requests
/// (`typical_p`, `dynatemp_range`, `mirostat`, `xtc_probability`, `dry_multiplier`, …); nil is off.
public struct SamplerSettings: Sendable, Hashable, Codable {
    public var adaptiveTemperature: Bool?
    public var dynamicTemperatureRange: Double?
    public var dynamicTemperatureExponent: Double?
    public var typicalP: Double?
    public var topNSigma: Double?
    public var xtcProbability: Double?
    public var xtcThreshold: Double?
    public var dryMultiplier: Double?
    public var dryBase: Double?
    public var dryAllowedLength: Int?
    public var dryPenaltyLastN: Int?
    public var mirostat: Int?
    public var mirostatTau: Double?
    public var mirostatEta: Double?
    public var repeatPenalty: Double?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case adaptiveTemperature = "adaptive_temperature", dynamicTemperatureRange = "dynatemp_range"
        case dynamicTemperatureExponent = "dynatemp_exponent", typicalP = "typical_p", topNSigma = "top_n_sigma"
        case xtcProbability = "xtc_probability", xtcThreshold = "xtc_threshold", dryMultiplier = "dry_multiplier"
        case dryBase = "dry_base", dryAllowedLength = "dry_allowed_length", dryPenaltyLastN = "dry_penalty_last_n"
        case mirostat, mirostatTau = "mirostat_tau", mirostatEta = "mirostat_eta", repeatPenalty = "repeat_penalty"
        case presencePenalty = "presence_penalty", frequencyPenalty = "frequency_penalty"
    }
}
