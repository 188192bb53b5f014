import Foundation
import TernGGUF

/// Everything `tern plan` reports about a model, as one value that encodes to the `--json` object
/// and renders as the human-readable table (`ModelPlan+Text`).
///
///     let model = try ModelPlan.describe(path: "model.gguf")      // header only, or config.json
///     let plan = ModelPlan(model, path: "model.gguf", context: 4096, batch: 1, device: .named("a100")!)
///     print(plan.text())
public struct ModelPlan: Sendable, Codable {
    public struct Model: Sendable, Codable {
        public var path: String
        public var architecture: String
        public var layers: Int
        public var dim: Int
        public var vocabulary: Int
        public var contextLength: Int?
        public var attention: String
        public var heads: Int
        public var kvHeads: Int
        public var keyDim: Int
        public var valueDim: Int
        public var slidingWindow: Int?
        /// Layers that attend within the window.
        public var slidingLayers: Int?
        public var experts: Experts?
        public var fileBytes: Int?
        /// True when the GGUF's data section is incomplete: the plan comes from the header alone.
        public var dataMissing: Bool
        /// Parameters stored in each tensor type, e.g. {"Q8_0": 167772160, "F32": 11520}.
        public var parametersByType: [String: Int]
    }

    public struct Experts: Sendable, Codable {
        public var count: Int
        public var used: Int
        public var shared: Int
    }

    public struct Parameters: Sendable, Codable {
        public var total: Int
        public var active: Int
        public var nonEmbedding: Int
        public var byPart: [String: Int]
    }

    public struct Memory: Sendable, Codable {
        /// Bytes per parameter × parameters at fp32, fp16, bf16, int8, q4.
        public var weights: [String: Int]
        public var stored: Int
        public var tern: Int
        public var cache: Int
        public var ruleOfThumb: Int
        public var ternInference: Int
    }

    public struct Cache: Sendable, Codable {
        public var variant: String
        public var elementBytes: Int
        public var bytesPerToken: Int
        public var mhaBytesPerToken: Int
        public var bytesAtContext: Int
        public var mhaBytesAtContext: Int
        public var stateBytesPerSequence: Int
    }

    public struct Training: Sendable, Codable {
        public var tokens: Int
        public var full: MemoryEstimate.Training
        public var lora: MemoryEstimate.Training
        public var loraRank: Int
    }

    public struct RooflinePlan: Sendable, Codable {
        public var device: Device
        public var balance: Double
        public var points: [Roofline.Point]
        /// Decode tokens/s of the whole step at the device's roof.
        public var tokensPerSecond: Double
    }

    public struct Prediction: Sendable, Codable {
        public var machine: MachineProfile
        /// False when the profile came from the cache.
        public var measuredNow: Bool
        public var speed: SpeedPrediction
    }

    public var model: Model
    public var context: Int
    public var batch: Int
    public var parameters: Parameters
    public var memory: Memory
    public var cache: Cache
    public var training: Training
    public var roofline: RooflinePlan
    /// Tern's speed on this machine; only for `--device cpu`.
    public var prediction: Prediction?

    /// Reads the model at `path`: a GGUF file (its header only) or a Hugging Face config.json
    /// (or a folder holding one). Errors are one-line `PlanError`s or `GGUFError`s.
    public static func describe(path: String) throws -> ModelDescription {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let config = isDirectory.boolValue ? path + "/config.json" : path
        if exists && (isDirectory.boolValue || path.hasSuffix(".json")) {
            guard let data = FileManager.default.contents(atPath: config) else {
                throw PlanError("\(config): cannot read it: pass a .gguf file, a config.json, or a folder holding one")
            }
            do {
                return try ModelDescription(config: data)
            } catch let error as PlanError {
                throw PlanError("\(config): \(error.description)")
            }
        }
        let header = try GGUFHeader(path: path)
        do {
            return try ModelDescription(gguf: header)
        } catch let error as PlanError {
            throw PlanError("\(path): \(error.description)")
        }
    }

    public init(_ description: ModelDescription, path: String, context: Int, batch: Int, loraRank: Int = 16,
                device: Device, machine: (profile: MachineProfile, measured: Bool)? = nil, prompt: Int = 512) {
        let d = description
        var types: [String: Int] = [:]
        for t in d.tensors where t.part != .constant { types[t.storage.name, default: 0] += t.elementCount }
        model = Model(
            path: path, architecture: d.architecture, layers: d.layers, dim: d.dim, vocabulary: d.vocabulary,
            contextLength: d.contextLength, attention: d.attention.variant.name, heads: d.attention.heads,
            kvHeads: d.attention.kvHeads, keyDim: d.attention.keyDim, valueDim: d.attention.valueDim,
            slidingWindow: d.slidingWindow?.window, slidingLayers: d.slidingWindow?.slidingLayers.filter { $0 }.count,
            experts: d.experts.map { Experts(count: $0.count, used: $0.used, shared: $0.shared) },
            fileBytes: d.fileBytes, dataMissing: !d.hasAllData, parametersByType: types)
        self.context = context
        self.batch = batch
        let count = ParameterCount(d)
        parameters = Parameters(total: count.total, active: count.active, nonEmbedding: count.nonEmbedding,
                                byPart: Dictionary(uniqueKeysWithValues: count.byPart.map { ($0.key.rawValue, $0.value) }))
        let estimate = MemoryEstimate(d, context: context, batch: batch, loraRank: loraRank)
        memory = Memory(weights: Dictionary(uniqueKeysWithValues: estimate.weights.map { ($0.key.rawValue, $0.value) }),
                        stored: estimate.storedWeights, tern: estimate.ternWeights, cache: estimate.cache,
                        ruleOfThumb: estimate.ruleOfThumb, ternInference: estimate.ternInference)
        let kv = KVCacheSize(d)
        cache = Cache(variant: d.attention.variant.name, elementBytes: kv.elementBytes, bytesPerToken: kv.bytesPerToken,
                      mhaBytesPerToken: kv.mhaBytesPerToken, bytesAtContext: kv.bytes(context: context),
                      mhaBytesAtContext: kv.mhaBytes(context: context), stateBytesPerSequence: kv.stateBytesPerSequence)
        training = Training(tokens: context * batch, full: estimate.fullFineTuning, lora: estimate.lora, loraRank: loraRank)
        let roof = Roofline(d, device: device, batch: batch, context: context, precision: device.name == "cpu" ? .tern : .bf16)
        roofline = RooflinePlan(device: device, balance: device.balance, points: roof.points, tokensPerSecond: roof.tokensPerSecond)
        prediction = machine.map {
            Prediction(machine: $0.profile, measuredNow: $0.measured,
                       speed: SpeedPrediction(d, machine: $0.profile, context: context, prompt: prompt, batch: batch))
        }
    }

    /// The plan as one JSON object (keys sorted).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
