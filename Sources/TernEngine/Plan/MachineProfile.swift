import Foundation

/// What `MachineProbe` measured on this machine, as cached in `<tern home>/machine.json`: the
/// numbers `tern plan --device cpu` predicts Tern's own speed from.
public struct MachineProfile: Codable, Sendable, Equatable {
    /// Bumped when the measurements change meaning, so old caches are measured again.
    public static let currentVersion = 5
    /// Row lengths (matrix columns) at which the decode kernels' bandwidth is measured.
    public static let decodeWidths = [128, 512, 2048, 8192]

    public var version = MachineProfile.currentVersion
    public var cpu: String
    /// The kernel set in use (`tern_kernel_isa`): "avx512vnni", "avx2", …
    public var isa: String
    public var threads: Int
    /// Streaming-read bytes/s over all threads: the memory roof.
    public var bandwidth: Double
    /// Packed Q8_0 products by 64 tokens, operations/s (2 per multiply-add).
    public var int8OpsPerSecond: Double
    /// Packed Q4_K products by 64 tokens (the K-quants' kernel), operations/s.
    public var kQuantOpsPerSecond: Double
    /// Ternary products by 64 tokens (TQ1_0's and TQ2_0's kernels, keyed "tq1_0", "tq2_0"), operations/s.
    public var ternaryOpsPerSecond: [String: Double]
    /// The same by one token, weights in cache.
    public var int8DecodeOpsPerSecond: Double
    /// Packed F32 products by 64 tokens, FLOP/s.
    public var f32FlopsPerSecond: Double
    /// Bytes/s that the one-token product of each packed layout streams from memory, at each of
    /// `decodeWidths`: "q8_0" (the layout Q4_0, Q5_0 and Q8_0 share), "k" (Q4_K, Q5_K, Q6_K),
    /// "f32", "tq1_0" and "tq2_0" (read as stored). Short rows spend more of their time outside the inner loop, so they stream slower.
    public var decodeBandwidth: [String: [Double]]
    /// Seconds each decode product costs besides streaming its bytes: handing its rows to the
    /// threads, waiting for the last of them, each stream's start. Small matrices (a mixture of
    /// experts' are) pay it many times per token.
    public var productSeconds: Double
    public var measuredAt: String

    public init(cpu: String, isa: String, threads: Int, bandwidth: Double, int8OpsPerSecond: Double,
                kQuantOpsPerSecond: Double? = nil, ternaryOpsPerSecond: [String: Double] = [:],
                int8DecodeOpsPerSecond: Double, f32FlopsPerSecond: Double,
                decodeBandwidth: [String: [Double]] = [:], productSeconds: Double = 0, measuredAt: String) {
        self.cpu = cpu
        self.isa = isa
        self.threads = threads
        self.bandwidth = bandwidth
        self.int8OpsPerSecond = int8OpsPerSecond
        self.kQuantOpsPerSecond = kQuantOpsPerSecond ?? int8OpsPerSecond
        self.ternaryOpsPerSecond = ternaryOpsPerSecond
        self.int8DecodeOpsPerSecond = int8DecodeOpsPerSecond
        self.f32FlopsPerSecond = f32FlopsPerSecond
        self.decodeBandwidth = decodeBandwidth
        self.productSeconds = productSeconds
        self.measuredAt = measuredAt
    }

    /// The layout Tern's decode kernel reads for a ggml type: "q8_0", "k", "f32" (packed forms),
    /// "tq1_0", "tq2_0" (ternary rows as stored), or nil for other types read as stored.
    public static func layout(ofType id: UInt32) -> String? {
        switch id {
        case 0: return "f32"
        case 2, 6, 8: return "q8_0"  // Q4_0, Q5_0, Q8_0: one byte per quant once packed
        case 12, 13, 14: return "k"
        case 34: return "tq1_0"
        case 35: return "tq2_0"
        default: return nil
        }
    }

    /// Bytes/s the decode kernel of `layout` streams rows of `cols` at: the measurements
    /// interpolated in log(cols), held constant beyond the widths measured; the streaming
    /// bandwidth when the layout was not measured.
    public func decodeBandwidth(layout: String?, cols: Int) -> Double {
        guard let layout, let values = decodeBandwidth[layout], values.count == Self.decodeWidths.count else { return bandwidth }
        let widths = Self.decodeWidths.map { log2(Double($0)) }, x = log2(Double(max(1, cols)))
        if x <= widths[0] { return values[0] }
        for i in 1..<widths.count where x <= widths[i] {
            let t = (x - widths[i - 1]) / (widths[i] - widths[i - 1])
            return values[i - 1] + t * (values[i] - values[i - 1])
        }
        return values[values.count - 1]
    }

    /// Operations/s of the prefill kernel for a layout: the K-quants', a ternary type's, or
    /// Q8_0's (the packed kernels the other quantized types share, and the fallback).
    public func prefillOpsPerSecond(layout: String?) -> Double {
        if layout == "k" { return kQuantOpsPerSecond }
        if let layout, let rate = ternaryOpsPerSecond[layout] { return rate }
        return int8OpsPerSecond
    }

    /// Bytes/s for what decode reads outside the weight products (the KV cache or an SSM's state,
    /// an embedding row, the logits): what the F32 kernel streams its widest rows at, a rate that
    /// Tern's own loops attain, where the plain streaming probe finds a best case that on a shared
    /// machine swings by tens of percent from one measurement to the next.
    public var streamingBandwidth: Double {
        guard let f32 = decodeBandwidth["f32"]?.last, f32 > 0 else { return bandwidth }
        return min(bandwidth, f32)
    }

    /// This machine as a roofline device: int8 operations (the quantized kernels') over the
    /// streaming bandwidth.
    public var device: Device {
        Device(name: "cpu", peakFLOPS: int8OpsPerSecond, peakBandwidth: bandwidth, precision: "int8",
               memory: Double(ProcessInfo.processInfo.physicalMemory),
               source: "measured by tern plan: \(cpu), \(threads) threads, \(isa) kernels, \(measuredAt)")
    }
}
