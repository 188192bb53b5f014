import Foundation
import TernLM

/// An agent: think, call a tool, read its result, repeat until it calls `finish` or reaches
/// `maxIterations`; then the signature's outputs are written from the trajectory (ReAct, Yao et
/// al. 2022, in DSPy's shape). The trajectory comes back in the prediction as `trajectory`.
///
///     let agent = try ReAct(Signature("question -> answer: float"), tools: [add, multiply], maxIterations: 5)
///     let p = try await agent(["question": "What is (3 + 4) * 5?"], context: ctx)
public struct ReAct: Module {
    public let tools: [Tool]
    public let maxIterations: Int
    public let step: Predict
    public let extract: ChainOfThought

    public init(_ signature: Signature, tools: [Tool], maxIterations: Int = 5) throws {
        let names = tools.map(\.name)
        guard !names.contains("finish"), Set(names).count == names.count else {
            throw ProgramError.tool("tool names must be unique and not 'finish'")
        }
        self.tools = tools
        self.maxIterations = max(1, maxIterations)
        let toolList = tools.enumerated().map { "(\($0 + 1)) \($1.summary)" }
            + ["(\(tools.count + 1)) `finish`: call it when you have everything needed to answer. Arguments: {}"]
        let instructions = [
            signature.instructions,
            "You act step by step. In each step, write your next thought, then pick one tool and its JSON arguments;",
            "the tool's result is added to the trajectory. Tools:",
        ] + toolList
        step = Predict(Signature(
            inputs: signature.inputs + [Field("trajectory", description: "the steps so far")],
            outputs: [Field("next_thought"),
                      Field("next_tool_name", .choice(names + ["finish"])),
                      Field("next_tool_args", .json(["type": "object"]))],
            instructions: instructions.joined(separator: "\n")))
        extract = ChainOfThought(signature.appendingInput(Field("trajectory", description: "the steps taken")))
    }

    public func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
        try await context.span("react", ["tools": .array(tools.map { .string($0.name) })]) {
            var trajectory: [(thought: String, tool: String, args: JSONValue, observation: String)] = []
            func rendered() -> String {
                trajectory.enumerated().map { i, s in
                    "[[ ## thought_\(i) ## ]]\n\(s.thought)\n\n[[ ## tool_name_\(i) ## ]]\n\(s.tool)\n\n"
                        + "[[ ## tool_args_\(i) ## ]]\n\(s.args.canonicalJSON)\n\n[[ ## observation_\(i) ## ]]\n\(s.observation)"
                }.joined(separator: "\n\n")
            }
            for _ in 0..<maxIterations {
                var stepInputs = inputs
                stepInputs["trajectory"] = .string(rendered())
                let p = try await step.forward(stepInputs, context: context)
                let name = p.text("next_tool_name")
                let args = p["next_tool_args"] ?? .object([:])
                if name == "finish" {
                    trajectory.append((p.text("next_thought"), name, args, "Completed."))
                    break
                }
                let observation: String
                if let tool = tools.first(where: { $0.name == name }) {
                    do { observation = try await tool.call(args) } catch { observation = "error: \(error)" }
                } else {
                    observation = "error: no tool named '\(name)'"
                }
                trajectory.append((p.text("next_thought"), name, args, observation))
            }
            var finalInputs = inputs
            finalInputs["trajectory"] = .string(rendered())
            var result = try await extract.forward(finalInputs, context: context)
            result.values["trajectory"] = .array(trajectory.map {
                ["thought": .string($0.thought), "tool": .string($0.tool), "args": $0.args, "observation": .string($0.observation)]
            })
            context.annotate(["steps": .number(Double(trajectory.count))])
            return result
        }
    }
}
