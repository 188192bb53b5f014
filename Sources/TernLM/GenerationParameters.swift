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
