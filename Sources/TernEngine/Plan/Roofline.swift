import Foundation

/// Arithmetic intensity (FLOPs per byte moved) of each kind of layer in one decode step of
/// `batch` sequences at `context` tokens, set against a device's roof (Williams, Waterman and
/// Patterson, "Roofline", CACM 2009): attainable FLOP/s = min(peak, intensity × bandwidth).
///
/// A matrix product of B tokens by an in×out weight does 2·B·in·out FLOPs and moves the weight
/// once plus B rows of input and output activations, so its intensity grows with B until the
/// activations dominate. Attention over the cache does about 4·H·D FLOPs per cached position and
/// moves Hkv·2·D cached elements: its intensity is the query-group size, whatever the batch, since
/// every sequence reads its own cache.
///
///     let roof = Roofline(model, device: .named("a100")!, batch: 1, context: 4096)
///     roof.points.map { ($0.kind, $0.intensity) }   // [("attention projections", 1.0), …]
public struct Roofline: Sendable {
    /// How many bytes a weight, an activation and a cache element take.
    public struct Precision: Sendable {
        /// Bytes the product reads for a weight tensor.
        public var weightBytes: @Sendable (PlannedTensor) -> Double
        /// Bytes per input and per output activation element.
        public var activationIn: Double
        public var activationOut: Double
        public var cacheElement: Double = 2

        /// 16-bit weights, activations and cache: how a GPU serves.
        public static let bf16 = Precision(weightBytes: { 2 * Double($0.elementCount) }, activationIn: 2, activationOut: 2)
        /// Tern on the CPU: weights as its kernels read them (packed), activations quantized to
        /// 8 bits on the way in and F32 out, F16 cache.
        public static let tern = Precision(weightBytes: { Double($0.ternBytes) }, activationIn: 1, activationOut: 4)
    }

    /// One kind of layer, all layers of the model together.
    public struct Point: Sendable, Codable, Equatable {
        public let kind: String
        public let flops: Double
        public let bytes: Double
        /// FLOPs per byte.
        public let intensity: Double
        /// Attainable FLOP/s on the device.
        public let attainable: Double
        /// "memory" or "compute".
        public let bound: String
        /// Seconds per step at the roof: max(FLOPs / peak, bytes / bandwidth).
        public let seconds: Double
        /// For matrix products: the batch from which this kind becomes compute-bound (nil: never,
        /// as for attention over the cache).
        public let computeBoundFromBatch: Double?

        init(kind: String, flops: Double, bytes: Double, device: Device, computeBoundFromBatch: Double?) {
            self.kind = kind
            self.flops = flops
            self.bytes = bytes
            intensity = bytes > 0 ? flops / bytes : 0
            attainable = min(device.peakFLOPS, intensity * device.peakBandwidth)
            bound = intensity < device.balance ? "memory" : "compute"
            seconds = max(flops / device.peakFLOPS, bytes / device.peakBandwidth)
            self.computeBoundFromBatch = computeBoundFromBatch
        }
    }

    public let device: Device
    public let batch: Int
    public let context: Int
    public let points: [Point]

    /// Tokens per second of the whole step at the roof: batch ÷ the kinds' summed seconds.
    public var tokensPerSecond: Double {
        let seconds = points.reduce(0) { $0 + $1.seconds }
        return seconds > 0 ? Double(batch) / seconds : 0
    }

    public init(_ model: ModelDescription, device: Device, batch: Int, context: Int, precision: Precision = .bf16) {
        self.device = device
        self.batch = batch
        self.context = context
        let B = Double(batch)
        var points: [Point] = []

        // Matrix products, grouped by kind. A routed expert sees B·k/E tokens on average, and a
        // batch touches each expert with probability 1 − (1 − k/E)^B (tokens routed independently).
        let kinds: [(String, [ParameterPart])] = [("attention projections", [.attention]), ("ssm projections", [.ssm]),
                                                  ("mlp", [.mlp]), ("experts", [.experts]), ("output head", [.output])]
        let share = model.experts.map { Double($0.used) / Double($0.count) } ?? 1
        for (kind, parts) in kinds {
            var matrices = model.tensors.filter { $0.isMatrix && parts.contains($0.part) }
            if kind == "output head", matrices.isEmpty, let embedding = model.tensors.first(where: { $0.part == .embedding && $0.isMatrix && $0.rows == model.vocabulary }) {
                matrices = [embedding]  // tied: the embedding is the output projection
            }
            guard !matrices.isEmpty else { continue }
            var elements = 0.0, weights = 0.0, activations = 0.0, touchedWeights = 0.0
            for m in matrices {
                let routed = m.name.contains("_exps")
                let tokens = routed ? share : 1  // per batch token
                let touched = routed ? 1 - pow(1 - share, B) : 1
                elements += tokens * Double(m.elementCount)
                weights += precision.weightBytes(m)
                touchedWeights += touched * precision.weightBytes(m)
                activations += tokens * Double(m.stacked) * (Double(m.cols) * precision.activationIn + Double(m.rows) * precision.activationOut)
            }
            let flops = 2 * B * elements, bytes = touchedWeights + B * activations
            // intensity(b) = 2·b·elements / (weights + b·activations) reaches the balance at
            // b = balance·weights / (2·elements − balance·activations), if ever.
            let denominator = 2 * elements - device.balance * activations
            let crossing = denominator > 0 ? device.balance * weights / denominator : nil
            points.append(Point(kind: kind, flops: flops, bytes: bytes, device: device, computeBoundFromBatch: crossing))
        }

        let kv = KVCacheSize(model)
        let a = model.attention
        switch a.variant {
        case .stateSpace(let kernel, let channels, let inner, let state):
            // Per token and layer: the state update and read-out (about 5 FLOPs per state
            // element) and the depthwise convolution; the F32 state is read and written.
            let flops = B * Double(model.layers) * Double(5 * inner * state + 2 * kernel * channels)
            let bytes = B * 2 * Double(kv.stateBytesPerSequence)
            points.append(Point(kind: "ssm scan", flops: flops, bytes: bytes, device: device, computeBoundFromBatch: nil))
        default:
            var flops = 0.0, bytes = 0.0
            for l in 0..<model.layers {
                let n = Double(kv.positions(layer: l, context: context))
                if case .multiHeadLatent(let rank, let rope) = a.variant {
                    // Absorbed MLA: each head scores against rank + rope cached values and sums
                    // rank-wide values; the latent is read once for all heads.
                    flops += B * n * Double(2 * a.heads * (rank + rope) + 2 * a.heads * rank)
                } else {
                    flops += B * n * Double(2 * a.heads * (a.keyDim + a.valueDim))
                }
                bytes += B * n * Double(kv.elementsPerTokenPerLayer) * precision.cacheElement
            }
            points.append(Point(kind: "attention over KV", flops: flops, bytes: bytes, device: device, computeBoundFromBatch: nil))
        }
        self.points = points
    }
}
