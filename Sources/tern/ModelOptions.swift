import ArgumentParser
import Foundation
import TernEngine
import TernStore

/// Options shared by every command that runs a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Model name (gemma3-270m, fetched on first use; gemma3-270m-it, the same with Tern's instruction-tuning adapter) or path to a .gguf file.")
    var model: String = ModelStore.defaultModelName

    @Option(name: [.customShort("t"), .long], help: "Worker threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("lora"), help: "A LoRA adapter (llama.cpp's GGUF format, as `tern train sft` writes it) to apply; repeatable.")
    var lora: [String] = []

    @Option(name: .customLong("lora-scale"), help: "Scale of the --lora adapters (1: as trained).")
    var loraScale: Float = 1

    /// Without `withAdapters`, the base model alone (a training run applies the adapters itself).
    /// `resolved`: what `--model` names, when the caller has already asked (it reads and hashes
    /// a tuned model's adapter).
    func load(threads: Int? = nil, withAdapters: Bool = true, resolved: ResolvedModel? = nil) throws -> LoadedModel {
        // A tuned name (gemma3-270m-it) is its base plus its shipped adapter, as trained (scale 1).
        let resolved = try resolved ?? ModelStore().resolveModel(model)
        for file in lora where !FileManager.default.fileExists(atPath: file) {
            throw CommandError("--lora \(file): no such file")
        }
        let adapters = resolved.adapters.map { ($0, Float(1)) } + lora.map { ($0, loraScale) }
        return try LoadedModel(path: resolved.path, threads: max(1, threads ?? self.threads), adapters: withAdapters ? adapters : [])
    }
}

/// Writes to stdout immediately (generation streams token by token).
func emit(_ text: String) {
    guard !text.isEmpty else { return }
    FileHandle.standardOutput.write(Data(text.utf8))
}

func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A failure the user can fix, printed as one line ("Error: …") with a non-zero exit and no usage text.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
