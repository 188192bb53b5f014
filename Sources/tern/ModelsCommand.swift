import ArgumentParser
import Foundation
import TernGGUF
import TernStore

/// `tern models`: one line per installed model, e.g.
/// `gemma3-270m  gemma-3-270m-q4_k_m.gguf  253.1 MB  Q4_K_M (F32 109, Q5_0 81, Q4_K 27, Q8_0 10, Q6_K 9)`.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models in Tern's cache with their size and quantization.")

    func run() throws {
        let store = ModelStore()
        let models = store.installed()
        guard !models.isEmpty else {
            FileHandle.standardError.write(Data("no models in \(store.modelsDirectory): run `tern pull \(ModelStore.defaultModelName)`\n".utf8))
            return
        }
        var rows = models.map { model in
            [model.name, (model.path as NSString).lastPathComponent,
             String(format: "%.1f MB", Double(model.size) / 1e6), quantization(of: model.path)]
        }
        // Tuned models run wherever their base is installed: the base's file plus the shipped adapter.
        for tuned in store.tuned {
            guard let base = models.first(where: { $0.name == tuned.base }), let adapter = tuned.adapterPath() else { continue }
            let size = ((try? FileManager.default.attributesOfItem(atPath: adapter))?[.size] as? NSNumber)?.doubleValue ?? 0
            rows.append([tuned.name, (base.path as NSString).lastPathComponent + " + " + tuned.adapter,
                         String(format: "%.1f MB", Double(base.size) / 1e6) + String(format: " + %.1f MB", size / 1e6),
                         "LoRA adapter on \(tuned.base)"])
        }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = (0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            print((padded + [row[3]]).joined(separator: "  "))
        }
    }

    /// The file type the header declares plus a count of tensor types, most common first: a file
    /// name can lie about its quantization, the header cannot.
    private func quantization(of path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "embedding model (safetensors, F32)"
        }
        let file: GGUFFile
        do {
            file = try GGUFFile(path: path)
        } catch {
            return "? (\(error.kind); `tern generate --model \(path)` explains)"
        }
        let declared = file.metadata["general.file_type"]?.int.map(fileTypeName) ?? "?"
        var counts: [String: Int] = [:]
        for tensor in file.tensors { counts[tensor.type.description, default: 0] += 1 }
        let mix = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }
        return "\(declared) (\(mix.joined(separator: ", ")))"
    }
}

/// Names of llama.cpp's `enum llama_ftype` (llama.h), the value of `general.file_type`; gaps are
/// numbers llama.cpp retired. Bit 1024 (LLAMA_FTYPE_GUESSED) marks a type guessed from the tensors.
private func fileTypeName(_ value: Int) -> String {
    let names: [Int: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
        10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
        16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
        22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
        28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
        38: "MXFP4_MOE",
    ]
    let guessed = value & 1024 != 0
    let name = names[value & ~1024] ?? "file type \(value & ~1024)"
    return guessed ? name + " (guessed)" : name
}
