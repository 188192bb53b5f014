import ArgumentParser
import Foundation
import TernGGUF
import TernKernels
import TernModels
import TernStore
import TernTraining

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model with its LoRA adapters merged into the weights (a plain GGUF, no adapter needed).")

    @Option(name: .shortAndLong, help: "Base model name or path to a .gguf file.") var model = ModelStore.defaultModelName
    @Option(name: .customLong("lora"), help: "Adapter to merge (llama.cpp's GGUF format); repeatable.") var lora: [String] = []
    @Option(name: .customLong("lora-scale"), help: "Scale of the adapters (1: as trained).") var loraScale: Float = 1
    @Flag(help: "Merge the adapters into the weights (the only kind of export so far).") var merge = false
    @Option(help: "Type of the merged weights: q8_0 or f32 (other tensors keep theirs).") var type = "q8_0"
    @Option(help: "Output .gguf file.") var out: String

    func run() throws {
        guard merge else { throw CommandError("tern export needs --merge (and at least one --lora ADAPTER.gguf)") }

        guard let ggmlType = ["q8_0": GGMLType.q8_0, "f32": .f32][type.lowercased()] else {
            throw CommandError("--type \(type): use q8_0 or f32")
        }
        // A tuned name (gemma3-270m-it) brings its own adapter, merged as trained.
        let resolved = try ModelStore().resolveModel(model)
        guard !(lora.isEmpty && resolved.adapters.isEmpty) else {
            throw CommandError("tern export --merge needs at least one --lora ADAPTER.gguf (or a tuned --model such as gemma3-270m-it)")
        }
        let base = try GGUFFile(path: resolved.path)
        let adapters = try resolved.adapters.map { try LoRAAdapter(path: $0) } + lora.map { path -> LoRAAdapter in
            guard FileManager.default.fileExists(atPath: path) else { throw CommandError("--lora \(path): no such file") }
            return try LoRAAdapter(path: path, scale: loraScale)
        }
        try AdapterMerge.write(base: base, adapters: adapters, type: ggmlType, to: out)
        note("wrote \(out): \(model) with \((resolved.adapters + lora).joined(separator: ", ")) merged (\(type))")
    }
}
