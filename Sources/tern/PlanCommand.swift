import ArgumentParser
import Foundation
import TernEngine
import TernStore

/// `tern plan MODEL`: what a model needs and how fast it can go, from its GGUF header (the tensor
/// data is never read) or its Hugging Face config.json. The planning itself is TernEngine's
/// `ModelPlan`; this file only wires the arguments.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parameters, weight and KV-cache memory, training memory, roofline and predicted speed of a model.",
        discussion: """
            MODEL is a .gguf file (only its header is read), a Hugging Face config.json or a folder holding \
            one, or a known model name. With --device cpu (the default) Tern measures this machine's memory \
            bandwidth and kernel throughput once, caches them in $TERN_HOME/machine.json, and predicts its own \
            decode and prefill speed. Devices: cpu, \(Device.known.map(\.name).joined(separator: ", ")).
            """)

    @Argument(help: "A .gguf file, a config.json (or its folder), or a known model name.") var model: String
    @Option(help: "Context length for the cache, training and predictions (default: the model's, else 4096).") var ctx: Int?
    @Option(help: "Sequences decoded together (roofline, cache, training batch).") var batch: Int = 1
    @Option(help: "Device for the roofline: cpu (this machine, measured) or a data-sheet device.") var device: String = "cpu"
    @Option(help: "Prompt tokens for the prefill prediction.") var prompt: Int = 512
    @Option(name: .customLong("lora-rank"), help: "LoRA rank for the training estimate.") var loraRank: Int = 16
    @Option(name: [.customShort("t"), .long], help: "Threads to measure this machine with (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Measure this machine again instead of using the cached numbers.") var remeasure = false
    @Flag(help: "Print everything as one JSON object.") var json = false
    @Option(help: "Also write the roofline plot as a self-contained SVG to this path.") var svg: String?

    func validate() throws {
        if let ctx, ctx < 1 { throw ValidationError("--ctx must be ≥ 1") }
        guard batch >= 1, prompt >= 1, threads >= 1 else { throw ValidationError("--batch, --prompt and --threads must be ≥ 1") }
        guard loraRank >= 1 else { throw ValidationError("--lora-rank must be ≥ 1") }
    }

    func run() throws {
        let store = ModelStore()
        // A path that exists (a file, a config folder) is read as it is; anything else may be a known name.
        let path = FileManager.default.fileExists(atPath: model) ? model : try store.resolve(model)
        let description = try ModelPlan.describe(path: path)
        let context = ctx ?? description.contextLength ?? 4096
        var machine: (profile: MachineProfile, measured: Bool)?
        let target: Device
        if device.lowercased() == "cpu" {
            if remeasure || !FileManager.default.fileExists(atPath: store.home + "/machine.json") {
                note("measuring this machine's memory bandwidth and kernel throughput (cached in \(store.home)/machine.json)…")
            }
            let measured = try MachineProbe.profile(home: store.home, threads: threads, remeasure: remeasure)
            machine = measured
            target = measured.profile.device
        } else {
            guard let known = Device.named(device) else {
                throw CommandError("unknown device '\(device)': choose cpu or one of \(Device.known.map(\.name).joined(separator: ", "))")
            }
            target = known
        }
        let plan = ModelPlan(description, path: path, context: context, batch: batch, loraRank: loraRank,
                             device: target, machine: machine, prompt: prompt)
        if let svg {
            let title = "\(description.architecture) on \(target.name): batch \(batch), context \(context)"
            let roof = Roofline(description, device: target, batch: batch, context: context, precision: target.name == "cpu" ? .tern : .bf16)
            do {
                try RooflineSVG(roof, title: title).render().write(toFile: svg, atomically: true, encoding: .utf8)
            } catch {
                throw CommandError("cannot write \(svg): check the folder exists and is writable")
            }
        }
        print(json ? try plan.json() : plan.text())
    }
}
