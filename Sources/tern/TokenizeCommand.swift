import ArgumentParser
import Foundation
import TernEngine

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids of a text as a JSON array (BOS added as llama.cpp does).")

    @OptionGroup var modelOptions: ModelOptions
    @Argument(help: "The text; read from stdin when omitted.") var text: String?

    func run() throws {
        let input = text ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let loaded = try modelOptions.load()
        let ids = loaded.tokenizer.encode(input, addSpecial: true, parseSpecial: true)
        emit("[" + ids.map(String.init).joined(separator: ", ") + "]\n")
    }
}
