import ArgumentParser
import Foundation
import TernEnsembles
import TernLM
import TernPrograms

extension Synth {
    /// Verified tool-calling chats (`ToolCallSynth`) from a catalog of functions, as OpenAI's
    /// fine-tuning lines with `tools`; deterministic for a seed.
    func tools() async throws {
        let catalog: ToolCatalog
        do { catalog = try ToolCatalog(path: self.catalog) } catch { throw CommandError("\(error)") }
        if let folder = excludeFrom {
            let names = try Self.functionNames(in: folder)
            let clash = catalog.functions.map(\.name).filter(names.contains)
            guard clash.isEmpty else { throw CommandError("\(self.catalog): \(clash.joined(separator: ", ")) also in \(folder): rename them") }
        }
        var embeddings: [[Float]]?, unmatched: [[Float]]?
        if embedder != "none" {
            let model = try Embed.load(embedder, threads: ProcessInfo.processInfo.activeProcessorCount)
            embeddings = try await model.embed(catalog.functions.map { $0.name + ": " + ($0.definition.description ?? "") })
            unmatched = try await model.embed(catalog.unmatched)
        }
        var synth = ToolCallSynth(catalog: catalog, embeddings: embeddings, seed: seed)
        synth.unmatchedEmbeddings = unmatched
        guard (0...1).contains(noCallShare) else { throw CommandError("--no-call-share must be between 0 and 1, not \(noCallShare)") }
        synth.irrelevanceShare = noCallShare
        let lines = synth.examples(count: count)
        let text = lines.map(\.canonicalJSON).joined(separator: "\n") + "\n"
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw CommandError("cannot write \(out): check the folder exists and is writable")
        }
        var kinds: [String: Int] = [:]
        for l in lines {
            let calls = l["messages"]?.array?.last?["tool_calls"]?.array ?? []
            let names = Set(calls.compactMap { $0["function"]?["name"]?.string })
            kinds[calls.isEmpty ? "no call" : calls.count == 1 ? "one call" : names.count == 1 ? "parallel" : "parallel, several functions", default: 0] += 1
        }
        emit("\(out): \(lines.count) examples from \(catalog.functions.count) functions (\(synth.rejected) failed verification); "
             + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n")
    }

    /// Function names used in a folder of BFCL's files.
    static func functionNames(in folder: String) throws -> Set<String> {
        do {
            return Set(try BFCL.categories.flatMap { try BFCL.load(category: $0, from: folder).flatMap { $0.tools.map(\.name) } })
        } catch { throw CommandError("--exclude-from: \(error)") }
    }
}
