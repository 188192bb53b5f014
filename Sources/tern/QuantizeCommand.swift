import ArgumentParser
import Foundation
import TernGGUF
import TernKernels
import TernStore

/// `tern quantize IN.gguf OUT.gguf --type Q4_K_M`: llama-quantize's presets, with its bytes.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-quantize a GGUF model (F32/F16/BF16 sources) as llama-quantize does.",
        discussion: """
            Types: \(QuantizationPreset.allCases.map(\.rawValue).joined(separator: ", ")); Q4_K and Q5_K \
            mean Q4_K_M and Q5_K_M. Each tensor gets the type llama-quantize gives it (norms stay float, \
            the output matrix gets Q6_K, the _M mixes give Q6_K to some attn_v/ffn_down), and the file \
            is byte for byte what llama-quantize writes without an importance matrix. OUT appears only \
            when complete. Re-quantizing tensors that are already quantized works, with a warning: \
            their errors add up.
            """)

    @Argument(help: "The model to quantize.") var input: String
    @Argument(help: "Where to write the quantized model.") var output: String
    @Option(help: "Target: Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, TQ1_0, TQ2_0.") var type: String
    @Option(help: "Threads (default: all cores).") var threads: Int?

    func validate() throws {
        guard QuantizationPreset(name: type) != nil else {
            throw ValidationError("unknown --type '\(type)': use one of \(QuantizationPreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        guard URL(fileURLWithPath: input).standardized.path != URL(fileURLWithPath: output).standardized.path else {
            throw ValidationError("the output would overwrite the input: give another path")
        }
    }

    func run() throws {
        let preset = QuantizationPreset(name: type)!
        let quantizer = try GGUFQuantizer(path: input, preset: preset)
        let stderr = FileHandle.standardError
        for line in quantizer.recipe.fallbacks { stderr.write(Data("warning: \(line)\n".utf8)) }
        let requantized = quantizer.requantized
        if !requantized.isEmpty {
            stderr.write(Data(("warning: \(requantized.count) tensors are already quantized and are quantized again "
                + "(\(requantized.prefix(3).joined(separator: ", "))\(requantized.count > 3 ? ", …" : "")): "
                + "quality drops more than quantizing from F16/F32\n").utf8))
        }
        AtomicFile.removeTemporaryOnInterrupt()
        let pool = ThreadPool(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        var bar = Progress("quantizing \(URL(fileURLWithPath: input).lastPathComponent) to \(preset.rawValue)", total: 0)
        try quantizer.write(to: output, pool: pool) { done, total in
            if bar.total != Int64(total) { bar = Progress(bar.label, total: Int64(total)) }
            bar.update(Int64(done))
        }
        let counts = Dictionary(grouping: quantizer.recipe.entries, by: \.type).mapValues(\.count)
        let mix = counts.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print("\(output): \(quantizer.outputBytes / 1_000_000) MB of tensors (\(mix))")
    }
}
