import Foundation
import TernEnsembles
import TernLM
import TernPrograms
import TernSearch

/// The instruction-tuning set of `gemma3-270m-it`, built from records the model itself produced and
/// verifiers kept (`tern synth instructions --repair`), plus examples whose answers are known by
/// construction. Every example is rendered by the component that will read the trained model's
/// replies (the ChatAdapter, the pairwise judge), so training and use share one format.
///
/// - instructions as a user turn, some with their constraints in a system turn, some joined into
///   two-turn conversations;
/// - topic classification in the ChatAdapter's format: a kept response's text, labelled with the
///   topic or the broad category its prompt was about, among three others;
/// - arithmetic solved step by step (as a chat, and as a ChatAdapter `question -> answer: int`);
/// - pairwise judgments in the judge's own prompt, each pair in both orders: a worked solution
///   against the same with a slip in its last step, an answer that meets a constraint against the
///   model's raw answer that did not, and an on-topic answer against one about another topic.
///
/// Arithmetic problems come from seeds `seed` + 1000 and + 2000, and any problem of the evaluation set (100 problems
/// of seed 1, `tern experiment ttc` and `tern judge bias`) is left out.
struct SFTMix {
    struct Instruction {
        var prompt: String
        var response: String
        var constraints: [String]
        var raw: String?
        var topic: String
    }

    var seed: UInt64
    private(set) var examples: [(source: String, messages: [Message])] = []

    init(seed: UInt64) { self.seed = seed }

    /// Reads kept `tern synth instructions` records (a bad line names its number).
    static func readInstructions(_ path: String) throws -> [Instruction] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("cannot read \(path): check the path") }
        return try text.split(separator: "\n").enumerated().map { i, line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let prompt = o["prompt"] as? String, let response = o["response"] as? String else {
                throw CommandError("\(path):\(i + 1): not a kept record of `tern synth instructions` (needs \"prompt\" and \"response\")")
            }
            let topic = InstructionPrompts.topics.filter { prompt.contains($0) }.max { $0.count < $1.count } ?? ""
            return Instruction(prompt: prompt, response: response, constraints: o["constraints"] as? [String] ?? [],
                               raw: o["raw"] as? String, topic: topic)
        }
    }

    /// Each instruction once (or the first `limit` of them, shuffled); a fifth with its constraints as
    /// a system turn; `twoTurn` pairs of them as two-turn conversations.
    mutating func addInstructions(_ items: [Instruction], twoTurn: Int, limit: Int? = nil) {
        var rng = SeededGenerator(seed: seed &+ 1)
        for item in limit.map({ Array(items.shuffled(using: &rng).prefix($0)) }) ?? items {
            var task = item.prompt
            for c in item.constraints { task = task.replacingOccurrences(of: c, with: "") }
            task = task.trimmingCharacters(in: .whitespaces)
            if !item.constraints.isEmpty && task != item.prompt && rng.next() % 5 == 0 {
                add("instruction-system", [.system(item.constraints.joined(separator: " ")), .user(task), .assistant(item.response)])
            } else {
                add("instruction", [.user(item.prompt), .assistant(item.response)])
            }
        }
        let shuffled = items.shuffled(using: &rng)
        for k in 0..<min(twoTurn, shuffled.count / 2) {
            let (a, b) = (shuffled[2 * k], shuffled[2 * k + 1])
            add("two-turn", [.user(a.prompt), .assistant(a.response), .user(b.prompt), .assistant(b.response)])
        }
    }

    /// Broad categories of the instruction topics (a classification label set of its own).
    static let categories: [String: String] = [
        "honey bees": "animals", "birds": "animals", "the water cycle": "science", "volcanoes": "science",
        "solar panels": "technology", "electric cars": "technology", "clocks": "technology", "public libraries": "education",
        "music lessons": "education", "bicycles": "transport", "trains": "transport", "coffee": "food and drink",
        "tea": "food and drink", "bread baking": "food and drink", "the moon": "space", "recycling": "environment",
        "rain forests": "nature", "mountains": "nature", "the ocean": "nature", "gardening": "hobbies", "chess": "hobbies",
        "the human heart": "health", "maps": "geography", "snow": "weather",
    ]

    /// Signatures the classification examples use, so the model learns the format, not one field name.
    static let classifiers: [(input: String, output: String, instructions: String)] = [
        ("text", "topic", "Give the topic of the text."), ("passage", "category", "Which category does the passage belong to?"),
        ("sentence", "label", "Classify the sentence."), ("document", "subject", "Name the subject of the document."),
    ]

    /// `count` ChatAdapter classification examples over the responses: the label is the response's
    /// topic (or, in every other example, its category) among three other labels.
    mutating func addClassification(_ items: [Instruction], count: Int) throws {
        var rng = SeededGenerator(seed: seed &+ 2)
        let usable = items.filter { !$0.topic.isEmpty && !$0.response.contains("{") && Self.categories[$0.topic] != nil }
        guard !usable.isEmpty else { return }
        let allCategories = Array(Set(Self.categories.values)).sorted()
        for k in 0..<count {
            let item = usable.randomElement(using: &rng)!
            let byCategory = k % 2 == 1
            let label = byCategory ? Self.categories[item.topic]! : item.topic
            let pool = (byCategory ? allCategories : InstructionPrompts.topics).filter { $0 != label }
            let labels = (Array(pool.shuffled(using: &rng).prefix(3)) + [label]).shuffled(using: &rng)
            let c = Self.classifiers.randomElement(using: &rng)!
            let literal = labels.map { "'\($0)'" }.joined(separator: ", ")
            let signature = try Signature("\(c.input) -> \(c.output): Literal[\(literal)]", instructions: c.instructions)
            add("classification", ChatAdapter().trainingMessages(signature, inputs: [c.input: .string(item.response)],
                                                                  outputs: [c.output: .string(label)]))
        }
    }

    /// `count` ChatAdapter classification examples over short labelled sentences (the kept records
    /// of `tern synth sentences`): each sentence's topic among three other topics of the file, the
    /// topics drawn equally often.
    mutating func addSentenceClassification(_ path: String, count: Int) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("cannot read \(path): check the path") }
        let records: [(text: String, topic: String)] = try text.split(separator: "\n").enumerated().map { i, line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let t = o["text"] as? String, let topic = o["topic"] as? String else {
                throw CommandError("\(path):\(i + 1): not a kept record of `tern synth sentences` (needs \"text\" and \"topic\")")
            }
            return (t, topic)
        }
        let topics = Array(Set(records.map(\.topic))).sorted()
        guard topics.count >= 4 else { throw CommandError("\(path): sentences of at least 4 topics are needed, found \(topics.count)") }
        var rng = SeededGenerator(seed: seed &+ 5)
        let byTopic = Dictionary(grouping: records, by: \.topic)
        for _ in 0..<count {  // topics equally often, whatever their share of the file
            let r = byTopic[topics.randomElement(using: &rng)!]!.randomElement(using: &rng)!
            let labels = (Array(topics.filter { $0 != r.topic }.shuffled(using: &rng).prefix(3)) + [r.topic]).shuffled(using: &rng)
            let c = Self.classifiers.randomElement(using: &rng)!
            let signature = try Signature("\(c.input) -> \(c.output): Literal[\(labels.map { "'\($0)'" }.joined(separator: ", "))]",
                                          instructions: c.instructions)
            add("sentence-classification", ChatAdapter().trainingMessages(signature, inputs: [c.input: .string(r.text)],
                                                                           outputs: [c.output: .string(r.topic)]))
        }
    }

    /// Problems never in the evaluation set (seed 1, the first 100); `stream` 0 for solving, 1 for judging.
    func arithmetic(_ count: Int, stream: UInt64) -> [ArithmeticProblem] {
        let held = Set(ArithmeticProblems.generate(count: 100, seed: 1).map(\.question))
        return Array(ArithmeticProblems.generate(count: count + 200, seed: seed &+ 1000 &+ 1000 * stream)
            .filter { !held.contains($0.question) }.prefix(count))
    }

    /// Worked solutions: as a chat, and (every third) as a ChatAdapter `question -> answer: int` call.
    mutating func addArithmetic(_ count: Int) throws {
        let signature = try Signature("question -> answer: int", instructions: "Solve the word problem and give the number.")
        for (i, p) in arithmetic(count, stream: 0).enumerated() {
            if i % 3 == 2 {
                add("arithmetic-adapter", ChatAdapter().trainingMessages(signature, inputs: ["question": .string(p.question)],
                                                                         outputs: ["answer": .number(Double(p.answer))]))
            } else {
                add("arithmetic", [.user("Solve the problem step by step, then give the answer.\n\n\(p.question)"), .assistant(p.solution)])
            }
        }
    }

    /// Pairwise judgments, each pair in both orders (so the verdict follows the answer, not its place).
    /// Every reason looks at Assistant A's answer, then B's, and decides last, so the text before the
    /// verdict is the same work whichever order the answers come in.
    mutating func addJudgments(arithmetic count: Int, instructions items: [Instruction], pairs: Int) {
        var rng = SeededGenerator(seed: seed &+ 3)
        // A worked solution against a slip in its last step.
        for (i, p) in arithmetic(count, stream: 1).enumerated() {
            let delta = [1, 2, 3, -1, -2, -3][i % 6], slip = ArithmeticProblems.slipped(p, by: p.answer + delta < 0 ? -delta : delta)
            let right = String((p.solution.components(separatedBy: "\n").dropLast().last ?? "").dropLast())
            let wrong = String((slip.components(separatedBy: "\n").dropLast().last ?? "").dropLast())
            addPair(question: p.question, better: p.solution, worse: slip) { aIsBetter in
                let (a, b) = aIsBetter ? (right, wrong) : (wrong, right)
                return "Checking the last step: \(right). Assistant A's last step says \(a): \(aIsBetter ? "right" : "wrong"). "
                    + "Assistant B's last step says \(b): \(aIsBetter ? "wrong" : "right"). "
                    + "Assistant \(aIsBetter ? "A" : "B")'s answer, \(p.answer), is correct."
            }
        }
        // An answer that meets a constraint against the model's own raw answer that did not.
        let repaired = items.filter { $0.raw != nil && $0.raw != $0.response }.shuffled(using: &rng).prefix(pairs / 2)
        for item in repaired {
            let rule = item.constraints.last ?? "the instruction"
            addPair(question: item.prompt, better: item.response, worse: item.raw!) { aIsBetter in
                "The question asks: \(rule) Assistant A's answer \(aIsBetter ? "follows every instruction" : "does not"). "
                    + "Assistant B's answer \(aIsBetter ? "does not" : "follows every instruction")."
            }
        }
        // An on-topic answer against an answer about another topic.
        let topical = items.filter { !$0.topic.isEmpty }
        for _ in 0..<(pairs - repaired.count) where topical.count > 1 {
            let item = topical.randomElement(using: &rng)!
            guard let other = topical.shuffled(using: &rng).first(where: { $0.topic != item.topic }) else { continue }
            addPair(question: item.prompt, better: item.response, worse: other.response) { aIsBetter in
                "The question is about \(item.topic). Assistant A writes about \(aIsBetter ? item.topic : other.topic). "
                    + "Assistant B writes about \(aIsBetter ? other.topic : item.topic). "
                    + "Assistant \(aIsBetter ? "A" : "B") answers the question."
            }
        }
    }

    /// The pair in both orders, the better answer shown first in one and second in the other.
    private mutating func addPair(question: String, better: String, worse: String, reason: (_ aIsBetter: Bool) -> String) {
        add("judge", PairwiseJudge.trainingMessages(question: question, first: better, second: worse, verdict: .a, reason: reason(true)))
        add("judge", PairwiseJudge.trainingMessages(question: question, first: worse, second: better, verdict: .b, reason: reason(false)))
    }

    /// Records of `tern synth topics` ({"prompt", "response"}) or `tern synth dialogues` ({"messages"}), as they are.
    mutating func addRecords(_ path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("cannot read \(path): check the path") }
        for (i, line) in text.split(separator: "\n").enumerated() {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw CommandError("\(path):\(i + 1): not a JSON object")
            }
            if let list = o["messages"] as? [[String: String]] {
                add("dialogue", list.compactMap { m in Message.Role(rawValue: m["role"] ?? "").map { Message(role: $0, content: m["content"] ?? "") } })
            } else if let p = o["prompt"] as? String, let r = o["response"] as? String {
                add("topic", [.user(p), .assistant(r)])
            } else {
                throw CommandError("\(path):\(i + 1): expected {\"messages\"} or {\"prompt\", \"response\"}")
            }
        }
    }

    private mutating func add(_ source: String, _ messages: [Message]) { examples.append((source, messages)) }

    /// The examples shuffled (seeded), the last `heldOut` of them apart for the held-out loss, as
    /// `{"messages": [...], "source": …}` lines.
    func lines(heldOut: Int) throws -> (train: [String], eval: [String]) {
        var rng = SeededGenerator(seed: seed &+ 4)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        struct Line: Encodable { var messages: [Turn]; var source: String }
        struct Turn: Encodable { var role: String; var content: String }
        let all = try examples.shuffled(using: &rng).map { e in
            String(decoding: try encoder.encode(Line(messages: e.messages.map { Turn(role: $0.role.rawValue, content: $0.content) }, source: e.source)),
                   as: UTF8.self)
        }
        let cut = max(0, all.count - heldOut)
        return (Array(all[..<cut]), Array(all[cut...]))
    }
}
