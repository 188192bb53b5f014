// Few-shot topic classification with TernPrograms on the default model (Gemma 3 270M), end to end:
// a seeded dataset of 160 sentences in four topics, split 40 train / 120 held out; the program is
// evaluated zero-shot, compiled with BootstrapFewShot on the training split, and evaluated again.
//
//     swift run -c release topic-classification [--model gemma3-270m-it] [--zero-shot] [--save program.json]
//
// The 270M base model zero-shot rarely writes the `[[ ## topic ## ]]` layout it is asked for
// (those replies score 0 after a re-ask); demos show it the layout and the labels. Tern's
// instruction-tuned `gemma3-270m-it` (the base plus a shipped adapter) was trained on the layout.
import Foundation
import TernEngine
import TernLM
import TernPrograms
import TernStore

let topics: [String: [String]] = [
    "sports": ["The {team} won the {event} after extra time.", "Our striker scored twice in the {event}.",
               "The {team} signed a new goalkeeper before the {event}.", "Fans cheered as the {team} lifted the cup.",
               "The coach of the {team} was sent off during the {event}."],
    "food": ["This {dish} needs more garlic and a pinch of salt.", "We baked a {dish} for the {event}.",
             "The restaurant serves the best {dish} in town.", "Simmer the {dish} for twenty minutes, then stir.",
             "My grandmother's {dish} recipe uses fresh basil."],
    "weather": ["Heavy rain is expected in {city} tomorrow morning.", "A heatwave will hit {city} this weekend.",
                "Snow closed the roads around {city} overnight.", "Strong winds and thunderstorms are forecast for {city}.",
                "The fog over {city} should lift by noon."],
    "technology": ["The new {device} ships with a faster chip and more memory.", "Update your {device} to fix the security bug.",
                   "The startup released an app that runs offline on any {device}.", "Engineers in {city} built a cheaper {device} battery.",
                   "The {device} crashed after the latest software update."],
]
let fillers: [String: [String]] = [
    "team": ["Lions", "Rovers", "Falcons", "United", "Tigers"],
    "event": ["final", "derby", "semi-final", "tournament", "match"],
    "dish": ["soup", "lasagna", "curry", "pie", "risotto"],
    "city": ["Oslo", "Lisbon", "Denver", "Osaka", "Nairobi"],
    "device": ["phone", "laptop", "tablet", "smartwatch", "router"],
]

/// 40 sentences per topic, from the templates with seeded fillers.
func makeDataset(seed: UInt64) -> [Example] {
    var rng = SeededGenerator(seed: seed)
    var out: [Example] = []
    for topic in topics.keys.sorted() {
        for i in 0..<40 {
            var text = topics[topic]![i % 5]
            for (slot, values) in fillers.sorted(by: { $0.key < $1.key }) {
                text = text.replacingOccurrences(of: "{\(slot)}", with: values.randomElement(using: &rng)!)
            }
            out.append(["text": .string(text), "topic": .string(topic)])
        }
    }
    return out.shuffled(using: &rng)
}

let arguments = CommandLine.arguments
let savePath = arguments.firstIndex(of: "--save").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
let modelName = arguments.firstIndex(of: "--model").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } ?? ModelStore.defaultModelName

let data = makeDataset(seed: 7)
let train = Array(data.prefix(40)), heldOut = Array(data.dropFirst(40))
let resolved = try ModelStore().resolveModel(modelName)
let loaded = try LoadedModel(path: resolved.path, threads: ProcessInfo.processInfo.activeProcessorCount,
                             adapters: resolved.adapters.map { ($0, 1) })
let local = try LocalModel(loaded: loaded, name: modelName, contextSize: 2048)
let lm: any LanguageModel = TraceStore.disabledByEnvironment ? local : TracedModel(local, store: try TraceStore.open())
let context = ProgramContext(lm: lm, parameters: GenerationParameters(temperature: 0, maxTokens: 24, stop: ["[[ ## completed"]))

let classify = Predict(try Signature("text -> topic: Literal['sports', 'food', 'weather', 'technology']",
                                     instructions: "Give the topic of the text."))
let metric = Metric.exactMatch("topic")
let evaluate = Evaluate(devset: heldOut, metric: metric, concurrency: 1, name: "held-out")

print("dataset: \(data.count) examples, \(train.count) train, \(heldOut.count) held out")
let zeroShot = try await evaluate.run(classify, context: context)
print(String(format: "zero-shot: %.1f%% held-out accuracy, %d calls, %d tokens", zeroShot.score, zeroShot.calls, zeroShot.tokens))

if arguments.contains("--zero-shot") { exit(0) }  // the zero-shot number alone

let report = try await BootstrapFewShot(metric: metric, maxBootstrappedDemos: 4, maxLabeledDemos: 8,
                                        budget: Budget(maxCalls: 200)).compile(classify, trainset: train, context: context)
print("compile: \(report.calls) calls, \(report.tokens) tokens (expected at most \(report.estimate)); \(report.summary)")

let compiled = try await evaluate.run(classify, context: context)
print(String(format: "BootstrapFewShot: %.1f%% held-out accuracy, %d calls, %d tokens", compiled.score, compiled.calls, compiled.tokens))
print(compiled.table().split(separator: "\n").suffix(6).joined(separator: "\n"))

if let savePath {
    try CompiledProgram(classify, model: lm.name).write(to: URL(fileURLWithPath: savePath))
    print("saved the compiled program to \(savePath)")
}
