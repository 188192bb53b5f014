import Foundation
import TernLM

/// Instruction optimization by coordinate ascent (after DSPy's COPRO): for each predictor in turn,
/// the model proposes `breadth` instructions; each is scored on the training set with the other
/// predictors held at their best; for `depth` rounds new proposals are made from the best ones
/// so far and their scores. Demos are left as they are.
///
///     let opt = COPRO(metric: m, breadth: 4, depth: 2, budget: Budget(maxCalls: 400))
public struct COPRO: Optimizer {
    public var name: String { "COPRO(breadth: \(breadth), depth: \(depth))" }
    public let metric: Metric
    public let breadth: Int
    public let depth: Int
    public let temperature: Double
    public let budget: Budget

    public init(metric: Metric, breadth: Int = 4, depth: Int = 2, temperature: Double = 1.0, budget: Budget = .unlimited) {
        self.metric = metric
        self.breadth = max(1, breadth)
        self.depth = max(1, depth)
        self.temperature = temperature
        self.budget = budget
    }

    public func estimate(_ program: any Module, trainset: [Example], context: ProgramContext) -> CostEstimate {
        let n = program.namedPredictors.count
        let proposals = n * depth * breadth * context.maxAttempts
        return Cost.estimate(runs: n * (depth * breadth + 1) * trainset.count, program, trainset, demos: 0, context,
                             extraCalls: proposals)
    }

    public func run(_ program: any Module, trainset: [Example], context: ProgramContext) async throws -> String {
        let evaluate = Evaluate(devset: trainset, metric: metric, progress: false, name: "copro")
        let proposer = Predict(Signature(
            inputs: [Field("task", description: "what the step does: its inputs and outputs"),
                     Field("attempts", description: "instructions tried so far, each with its score (higher is better)")],
            outputs: [Field("instruction", description: "a new instruction for the step, one or two sentences")],
            instructions: "Write a better instruction for a language-model step. Learn from the scores of the attempts."))
        var summary: [String] = []
        do {
            for (name, predictor) in program.namedPredictors {
                let signature = predictor.signature
                var tried: [(instruction: String, score: Double)] = [
                    (signature.instructions, try await evaluate.run(program, context: context).score)]
                for round in 0..<depth {
                    let history = tried.sorted { $0.score < $1.score }
                        .map { String(format: "%.1f: %@", $0.score, $0.instruction) }.joined(separator: "\n")
                    for b in 0..<breadth {
                        let ctx = context.with(temperature: temperature, rollout: "copro-\(name)-\(round)-\(b)")
                        let proposal = try await proposer.forward([
                            "task": .string("inputs: \(signature.inputs.map(\.name)); outputs: \(signature.outputs.map(\.name))"),
                            "attempts": .string(history),
                        ], context: ctx).text("instruction").trimmingCharacters(in: .whitespacesAndNewlines)
                        guard !proposal.isEmpty, !tried.contains(where: { $0.instruction == proposal }) else { continue }
                        predictor.signature = signature.withInstructions(proposal)
                        tried.append((proposal, try await evaluate.run(program, context: context).score))
                    }
                }
                let best = tried.max { $0.score < $1.score }!
                predictor.signature = signature.withInstructions(best.instruction)
                summary.append(String(format: "%@: %.1f%% with \"%@\"", name, best.score, best.instruction))
            }
        } catch ProgramError.overBudget {
            summary.append("stopped: budget spent")
        }
        return summary.joined(separator: "; ")
    }
}
