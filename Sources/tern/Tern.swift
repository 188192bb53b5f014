import ArgumentParser

@main
struct Tern: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern",
        abstract: "Run, program and evaluate language models in Swift.",
        subcommands: [Generate.self, Tokenize.self, Perplexity.self, Bench.self, Pull.self, Models.self])
}
