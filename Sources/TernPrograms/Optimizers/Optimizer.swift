import Foundation
import TernLM

/// Tunes a program's predictors (instructions and demos) against a metric, in place. Before it
/// runs, an optimizer states how many LM calls and tokens it expects, and it never spends more
/// than its `Budget`: DSPy users get burnt by hundreds of surprise calls.
public protocol Optimizer {
    var name: String { get }
    var budget: Budget { get }
    /// The most calls and tokens `compile` will make on this program and training set.
    func estimate(_ program: any Module, trainset: [Example], context: ProgramContext) -> CostEstimate
    /// Runs the optimization; the program's predictors hold the result when this returns.
    func run(_ program: any Module, trainset: [Example], context: ProgramContext) async throws -> String
}

/// What an optimizer expects to spend.
public struct CostEstimate: Sendable, Hashable, CustomStringConvertible {
    public var calls: Int
    public var tokens: Int
    public var description: String { "\(calls) LM calls, about \(tokens) tokens" }
}

/// What an optimizer did.
public struct CompileReport: Sendable, Hashable {
    public var optimizer: String
    public var estimate: CostEstimate
    public var calls: Int
    public var tokens: Int
    /// What was chosen, in words.
    public var summary: String
}

extension Optimizer {
    /// Prints the estimate (to `log`, stderr by default), then runs under the budget.
    public func compile(_ program: any Module, trainset: [Example], context: ProgramContext,
                        log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) async throws -> CompileReport {
        let estimate = self.estimate(program, trainset: trainset, context: context)
        let limit = [budget.maxCalls.map { "\($0) calls" }, budget.maxTokens.map { "\($0) tokens" }].compactMap { $0 }
        log("\(name): expects at most \(estimate)" + (limit.isEmpty ? "" : "; budget \(limit.joined(separator: ", "))"))
        let counter = CountingModel(context.lm, budget: budget)
        let summary = try await context.span("compile", ["optimizer": .string(name)]) {
            try await run(program, trainset: trainset, context: context.with(lm: counter))
        }
        log("\(name): made \(counter.calls) calls, \(counter.tokens) tokens; \(summary)")
        return CompileReport(optimizer: name, estimate: estimate, calls: counter.calls, tokens: counter.tokens, summary: summary)
    }
}

/// Cost arithmetic shared by optimizers: one program run is one call per predictor per attempt.
enum Cost {
    static func callsPerRun(_ program: any Module, _ context: ProgramContext) -> Int {
        max(1, program.namedPredictors.count) * context.maxAttempts
    }

    /// Tokens of one call: the rendered prompt (about 4 characters a token) plus the reply limit.
    static func tokensPerCall(_ program: any Module, _ example: Example?, demos: Int, _ context: ProgramContext) -> Int {
        let maxTokens = context.parameters.maxTokens ?? 256
        guard let (_, p) = program.namedPredictors.first, let example else { return maxTokens }
        let demoSet = Array(repeating: example, count: demos)
        let chars = context.adapter.messages(p.signature, demos: demoSet, inputs: example).reduce(0) { $0 + $1.content.count }
        return chars / 4 + maxTokens
    }

    static func estimate(runs: Int, _ program: any Module, _ trainset: [Example], demos: Int, _ context: ProgramContext,
                         extraCalls: Int = 0) -> CostEstimate {
        let calls = runs * callsPerRun(program, context) + extraCalls
        return CostEstimate(calls: calls, tokens: calls * tokensPerCall(program, trainset.first, demos: demos, context))
    }
}
