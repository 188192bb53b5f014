/// An accelerator's peak dense throughput and memory bandwidth, the two numbers a roofline needs,
/// from the vendors' data sheets; or this machine, measured (`MachineProbe`).
///
/// The ops:byte balance point is peak FLOP/s ÷ peak bytes/s: a kernel doing fewer operations per
/// byte it moves is limited by memory, more by compute. For an A100 it is 312 TFLOP/s ÷
/// 1.555 TB/s ≈ 200, so a bf16 matrix product (2·B·in·out FLOPs over 2·in·out weight bytes, B
/// FLOPs per byte) needs a batch of about 200 tokens before its arithmetic, not its weights,
/// sets the pace.
///
///     Device.named("a100")?.balance    // ≈ 200.6
public struct Device: Sendable, Codable, Equatable {
    public let name: String
    /// Peak dense FLOP/s at `precision` (no structured sparsity).
    public let peakFLOPS: Double
    /// Peak memory bandwidth in bytes/s.
    public let peakBandwidth: Double
    /// The arithmetic the peak is quoted for: "bf16", or "int8" for this CPU's quantized kernels.
    public let precision: String
    /// Memory in bytes.
    public let memory: Double?
    /// Where the numbers come from.
    public let source: String

    public init(name: String, peakFLOPS: Double, peakBandwidth: Double, precision: String, memory: Double?, source: String) {
        self.name = name
        self.peakFLOPS = peakFLOPS
        self.peakBandwidth = peakBandwidth
        self.precision = precision
        self.memory = memory
        self.source = source
    }

    /// FLOPs per byte at which compute and memory take equally long.
    public var balance: Double { peakFLOPS / peakBandwidth }

    /// A device from the table by its short name, e.g. "a100", "h100".
    public static func named(_ name: String) -> Device? { known.first { $0.name == name.lowercased() } }

    /// Published dense 16-bit tensor throughput and bandwidth. Where a data sheet quotes
    /// "with sparsity" numbers, half of them is the dense figure used here.
    public static let known: [Device] = [
        Device(name: "a100", peakFLOPS: 312e12, peakBandwidth: 1.555e12, precision: "bf16", memory: 40e9,
               source: "NVIDIA A100 Tensor Core GPU data sheet: A100 40GB SXM, BF16 312 TFLOPS, 1,555 GB/s"),
        Device(name: "a100-80gb", peakFLOPS: 312e12, peakBandwidth: 2.039e12, precision: "bf16", memory: 80e9,
               source: "NVIDIA A100 Tensor Core GPU data sheet: A100 80GB SXM, BF16 312 TFLOPS, 2,039 GB/s"),
        Device(name: "h100", peakFLOPS: 989e12, peakBandwidth: 3.35e12, precision: "bf16", memory: 80e9,
               source: "NVIDIA H100 Tensor Core GPU data sheet: H100 SXM, BF16 1,979 TFLOPS with sparsity (989 dense), 3.35 TB/s"),
        Device(name: "h100-pcie", peakFLOPS: 756e12, peakBandwidth: 2.0e12, precision: "bf16", memory: 80e9,
               source: "NVIDIA H100 Tensor Core GPU data sheet: H100 PCIe, BF16 1,513 TFLOPS with sparsity (756 dense), 2 TB/s"),
        Device(name: "h200", peakFLOPS: 989e12, peakBandwidth: 4.8e12, precision: "bf16", memory: 141e9,
               source: "NVIDIA H200 Tensor Core GPU data sheet: H200 SXM, BF16 1,979 TFLOPS with sparsity (989 dense), 4.8 TB/s"),
        Device(name: "l4", peakFLOPS: 121e12, peakBandwidth: 300e9, precision: "bf16", memory: 24e9,
               source: "NVIDIA L4 Tensor Core GPU data sheet: BF16 242 TFLOPS with sparsity (121 dense), 300 GB/s"),
        Device(name: "a10", peakFLOPS: 125e12, peakBandwidth: 600e9, precision: "bf16", memory: 24e9,
               source: "NVIDIA A10 Tensor Core GPU data sheet: BF16 125 TFLOPS (250 with sparsity), 600 GB/s"),
        Device(name: "v100", peakFLOPS: 125e12, peakBandwidth: 900e9, precision: "fp16", memory: 32e9,
               source: "NVIDIA V100 Tensor Core GPU data sheet: V100 SXM2, tensor performance 125 TFLOPS (FP16), 900 GB/s"),
        Device(name: "t4", peakFLOPS: 65e12, peakBandwidth: 320e9, precision: "fp16", memory: 16e9,
               source: "NVIDIA T4 Tensor Core GPU data sheet: mixed precision (FP16/FP32) 65 TFLOPS, 320 GB/s"),
        Device(name: "rtx4090", peakFLOPS: 165.2e12, peakBandwidth: 1.008e12, precision: "fp16", memory: 24e9,
               source: "NVIDIA Ada Lovelace architecture whitepaper: RTX 4090, FP16 tensor with FP32 accumulate 165.2 TFLOPS dense, 1,008 GB/s"),
        Device(name: "mi300x", peakFLOPS: 1307.4e12, peakBandwidth: 5.3e12, precision: "bf16", memory: 192e9,
               source: "AMD Instinct MI300X data sheet: BF16 1,307.4 TFLOPS dense, 5.3 TB/s"),
    ]
}
