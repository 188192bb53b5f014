import ArgumentParser

@main
struct Tern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern",
        abstract: "Run, program and evaluate language models in Swift.",
        subcommands: [Generate.self, Chat.self, Eval.self, Tokenize.self, Perplexity.self, Bench.self, Serve.self, Embed.self, Route.self, Synth.self, Traces.self, Parse.self, Pull.self, Models.self, Plan.self, Search.self, Forks.self, Judge.self, Experiment.self, Train.self, Export.self, Quantize.self])
}
