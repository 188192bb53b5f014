/// How the next token is chosen. The defaults are llama.cpp's; a temperature of 0 means greedy.
///
///     var p = SamplingParameters(temperature: 0.7, topK: 40, seed: 42)
///     var chain = p.makeChain()
///     let token = chain.sample(logits, history: generated[...])
public struct SamplingParameters: Sendable, Equatable {
    public var temperature: Float = 0.8
    public var topK: Int = 40
    public var topP: Float = 0.95
    public var minP: Float = 0.05
    public var repetitionPenalty: Float = 1
    public var frequencyPenalty: Float = 0
    public var presencePenalty: Float = 0
    public var penaltyLastN: Int = 64
    /// nil draws a seed from the system generator.
    public var seed: UInt64? = nil

    public init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1, frequencyPenalty: Float = 0, presencePenalty: Float = 0,
                penaltyLastN: Int = 64, seed: UInt64? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.penaltyLastN = penaltyLastN
        self.seed = seed
    }

    public static let greedy = SamplingParameters(temperature: 0)

    /// The samplers these parameters call for, in llama.cpp's order.
    public func makeChain() -> SamplerChain {
        var steps: [any Sampler] = []
        let penalties = PenaltySampler(lastN: penaltyLastN, repetition: repetitionPenalty,
                                       frequency: frequencyPenalty, presence: presencePenalty)
        if penalties.isActive { steps.append(penalties) }
        if temperature <= 0 {
            steps.append(GreedySampler())
        } else {
            if topK > 0 { steps.append(TopKSampler(topK)) }
            if topP < 1 { steps.append(TopPSampler(topP)) }
            if minP > 0 { steps.append(MinPSampler(minP)) }
            steps.append(TemperatureSampler(temperature))
            steps.append(DistributionSampler(seed: seed ?? UInt64.random(in: 0...UInt64.max)))
        }
        return SamplerChain(steps)
    }
}

/// Runs samplers in order over reused candidate buffers and returns the chosen token.
public struct SamplerChain {
    public private(set) var steps: [any Sampler]
    private var candidates = Candidates()

    public init(_ steps: [any Sampler]) { self.steps = steps }

    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, history: ArraySlice<Int>) -> Int {
        candidates.load(logits)
        for i in steps.indices { steps[i].apply(&candidates, history: history) }
        return candidates.ids[0]
    }
}
