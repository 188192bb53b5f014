import TernEngine
import TernTokenizers

extension SamplerSettings {
    /// Sets the engine's sampling parameters a request asks for; DRY without breakers gets
    /// llama.cpp's default ones.
    public func apply(to s: inout SamplingParameters, tokenizer: any Tokenizer) {
        if let v = adaptiveTemperature { s.adaptiveTemperature = v }
        if let v = dynamicTemperatureRange { s.dynamicTemperatureRange = Float(v) }
        if let v = dynamicTemperatureExponent { s.dynamicTemperatureExponent = Float(v) }
        if let v = typicalP { s.typicalP = Float(v) }
        if let v = topNSigma { s.topNSigma = Float(v) }
        if let v = xtcProbability { s.xtcProbability = Float(v) }
        if let v = xtcThreshold { s.xtcThreshold = Float(v) }
        if let v = dryMultiplier { s.dryMultiplier = Float(v) }
        if let v = dryBase { s.dryBase = Float(v) }
        if let v = dryAllowedLength { s.dryAllowedLength = v }
        if let v = dryPenaltyLastN { s.dryPenaltyLastN = v }
        if let v = mirostat { s.mirostat = v }
        if let v = mirostatTau { s.mirostatTau = Float(v) }
        if let v = mirostatEta { s.mirostatEta = Float(v) }
        if let v = repeatPenalty { s.repetitionPenalty = Float(v) }
        if let v = presencePenalty { s.presencePenalty = Float(v) }
        if let v = frequencyPenalty { s.frequencyPenalty = Float(v) }
        if s.dryMultiplier != 0 && s.drySequenceBreakers.isEmpty { s.drySequenceBreakers = DRYSampler.defaultBreakers(tokenizer) }
    }
}
