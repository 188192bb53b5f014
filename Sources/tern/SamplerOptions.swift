import ArgumentParser
import TernLM

/// The engine's further samplers as `tern generate` flags, named as llama.cpp's CLI names them.
/// Each is off unless given.
struct SamplerOptions: ParsableArguments {
    @Flag(name: .customLong("adaptive-temp"), help: "Adaptive temperature from the entropy (Veličković et al., 2024).")
    var adaptiveTemperature = false
    @Option(name: .customLong("dynatemp-range"), help: "Dynamic temperature: temperature ± range by entropy.") var dynatempRange: Double?
    @Option(name: .customLong("dynatemp-exp"), help: "Dynamic temperature exponent.") var dynatempExponent: Double?
    @Option(name: .customLong("typical"), help: "Locally typical sampling p (1: off).") var typicalP: Double?
    @Option(name: .customLong("top-n-sigma"), help: "Keep logits within n standard deviations of the best (off: -1).") var topNSigma: Double?
    @Option(name: .customLong("xtc-probability"), help: "XTC: chance of excluding the top choices.") var xtcProbability: Double?
    @Option(name: .customLong("xtc-threshold"), help: "XTC: probability above which a choice is a top choice.") var xtcThreshold: Double?
    @Option(name: .customLong("dry-multiplier"), help: "DRY repetition penalty multiplier (0: off).") var dryMultiplier: Double?
    @Option(name: .customLong("dry-base")) var dryBase: Double?
    @Option(name: .customLong("dry-allowed-length")) var dryAllowedLength: Int?
    @Option(name: .customLong("dry-penalty-last-n")) var dryPenaltyLastN: Int?
    @Option(help: "2 for mirostat v2 (replaces top-k/top-p/min-p and the draw).") var mirostat: Int?
    @Option(name: .customLong("mirostat-ent"), help: "Mirostat target surprise (tau).") var mirostatTau: Double?
    @Option(name: .customLong("mirostat-lr"), help: "Mirostat learning rate (eta).") var mirostatEta: Double?

    func validate() throws {
        if let m = mirostat, ![0, 2].contains(m) { throw ValidationError("--mirostat must be 0 or 2 (v2)") }
        if let p = typicalP, !(p > 0 && p <= 1) { throw ValidationError("--typical must be in (0, 1]") }
    }

    var settings: SamplerSettings {
        var s = SamplerSettings()
        s.adaptiveTemperature = adaptiveTemperature ? true : nil
        s.dynamicTemperatureRange = dynatempRange
        s.dynamicTemperatureExponent = dynatempExponent
        s.typicalP = typicalP
        s.topNSigma = topNSigma
        s.xtcProbability = xtcProbability
        s.xtcThreshold = xtcThreshold
        s.dryMultiplier = dryMultiplier
        s.dryBase = dryBase
        s.dryAllowedLength = dryAllowedLength
        s.dryPenaltyLastN = dryPenaltyLastN
        s.mirostat = mirostat
        s.mirostatTau = mirostatTau
        s.mirostatEta = mirostatEta
        return s
    }
}
