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
    // The samplers below are off at these defaults (llama.cpp's).
    /// Entropy-scaled temperature in [temperature − range, temperature + range] (llama.cpp's dynatemp).
    public var dynamicTemperatureRange: Float = 0
    public var dynamicTemperatureExponent: Float = 1
    /// Veličković et al.'s adaptive temperature, from the entropy of the full distribution.
    public var adaptiveTemperature = false
    public var typicalP: Float = 1
    public var topNSigma: Float = -1
    public var xtcProbability: Float = 0
    public var xtcThreshold: Float = 0.1
    public var dryMultiplier: Float = 0
    public var dryBase: Float = 1.75
    public var dryAllowedLength = 2
    public var dryPenaltyLastN = -1
    /// Token ids that end a DRY match (see `DRYSampler.defaultBreakers(_:)` for llama.cpp's).
    public var drySequenceBreakers: [Int] = []
    /// 2 for mirostat v2 (0: off); it replaces the truncation samplers and the draw.
    public var mirostat = 0
    public var mirostatTau: Float = 5
    public var mirostatEta: Float = 0.1

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

    /// The samplers these parameters call for, in llama.cpp's order: penalties, DRY, [adaptive
    /// temperature], top-nσ, top-k, typical, top-p, min-p, XTC, temperature (or dynamic
    /// temperature), then a draw; mirostat v2 replaces everything after the temperature.
    public func makeChain() -> SamplerChain {
        var steps: [any Sampler] = []
        let penalties = PenaltySampler(lastN: penaltyLastN, repetition: repetitionPenalty,
                                       frequency: frequencyPenalty, presence: presencePenalty)
        if penalties.isActive { steps.append(penalties) }
        if dryMultiplier != 0 {
            steps.append(DRYSampler(multiplier: dryMultiplier, base: dryBase, allowedLength: dryAllowedLength,
                                    lastN: dryPenaltyLastN, sequenceBreakers: Set(drySequenceBreakers)))
        }
        if temperature <= 0 {
            steps.append(GreedySampler())
            return SamplerChain(steps)
        }
        // One seed fixes the whole chain; each random sampler draws from its own stream.
        let base = seed ?? UInt64.random(in: 0...UInt64.max)
        if adaptiveTemperature { steps.append(AdaptiveTemperatureSampler()) }
        if mirostat == 2 {
            steps.append(TemperatureSampler(temperature))
            steps.append(MirostatV2Sampler(tau: mirostatTau, eta: mirostatEta, seed: base &+ 2))
            return SamplerChain(steps)
        }
        if topNSigma > 0 { steps.append(TopNSigmaSampler(topNSigma)) }
        if topK > 0 { steps.append(TopKSampler(topK)) }
        if typicalP < 1 { steps.append(TypicalSampler(typicalP)) }
        if topP < 1 { steps.append(TopPSampler(topP)) }
        if minP > 0 { steps.append(MinPSampler(minP)) }
        if xtcProbability > 0 { steps.append(XTCSampler(probability: xtcProbability, threshold: xtcThreshold, seed: base &+ 1)) }
        if dynamicTemperatureRange > 0 {
            steps.append(DynamicTemperatureSampler(temperature: temperature, range: dynamicTemperatureRange,
                                                   exponent: dynamicTemperatureExponent))
        } else {
            steps.append(TemperatureSampler(temperature))
        }
        steps.append(DistributionSampler(seed: base))
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
