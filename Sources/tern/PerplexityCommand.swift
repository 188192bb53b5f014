import ArgumentParser
import Foundation
import TernEngine

struct Perplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of a text file, by llama.cpp's method (second half of each chunk scored).")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Chunk size in tokens.") var ctx: Int = 512
    @Argument(help: "A UTF-8 text file.") var file: String

    func validate() throws {
        guard ctx >= 4 else { throw ValidationError("--ctx must be at least 4") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file): check the path")
        }
        let loaded = try modelOptions.load()
        let text = String(decoding: data, as: UTF8.self)
        let start = Date()
        let result = try perplexity(of: text, loaded: loaded, context: ctx) { chunk, total, ppl in
            note(String(format: "[%d/%d] %.4f", chunk, total, ppl))
        }
        note(String(format: "%d chunks, %d tokens scored, %.1f s", result.chunks, result.scoredTokens,
                    Date().timeIntervalSince(start)))
        emit(String(format: "PPL = %.4f +/- %.5f\n", result.perplexity, result.standardError))
    }
}
