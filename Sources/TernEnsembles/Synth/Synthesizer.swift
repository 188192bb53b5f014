import Foundation
import TernLM

/// Synthetic data in the manner of Nemotron-4's pipeline, from any `LanguageModel`:
///
/// - **instructions**: seeded instruction-following prompts with verifiable constraints
///   (`InstructionPrompts`); a response is kept only if every verifier passes;
/// - **topics**: topic → sub-topics → questions → answers, kept when the judge grades them well;
/// - **dialogues**: a question, an answer, a follow-up and its answer, kept when the judge grades
///   the last answer well;
/// - **sentences**: one sentence about a topic in a given kind of text, without the topic's name,
///   kept when it is a single clean sentence not seen before and (with an `embedder`) near its
///   topic (topic-classification data).
///
/// Records go to a `JSONLWriter` (kept) and another (rejected), each with a deterministic id, so an
/// interrupted run resumes where it stopped: ids already in either file are skipped.
public struct Synthesizer: Sendable {
    public let model: any LanguageModel
    /// Grades topic answers and dialogues; nil keeps them all.
    public var judge: RubricGrader?
    /// The lowest grade kept (a likelihood judge's expected score, unrounded).
    public var minScore: Double
    public var seed: UInt64
    public var parameters: GenerationParameters
    /// Requests sent as one batch (the local engine decodes them together).
    public var batchSize: Int
    /// How instructions are put to the model: as a chat turn (instruction-tuned models), or as
    /// the next "Instruction:/Response:" pair after worked examples (base models).
    public var format: Format
    /// Instructions: a response that fails only layout constraints is rewritten to meet them
    /// (`Constraint.repair`) and verified again; the record keeps the model's raw text too.
    public var repair = false
    /// Instructions: the topics the prompts are about (`InstructionPrompts.topics` by default).
    public var instructionTopics = InstructionPrompts.topics
    /// Sentences: an embedding model (MiniLM) as a second opinion: a sentence is kept only when its
    /// own topic is among the two topic names nearest to it by cosine. Nil skips the check.
    public var embedder: (any LanguageModel)?

    public enum Format: String, Sendable, Codable, CaseIterable { case chat, fewShot = "few-shot" }

    public init(model: any LanguageModel, judge: RubricGrader? = nil, minScore: Double = 7, seed: UInt64 = 1,
                parameters: GenerationParameters = GenerationParameters(temperature: 0.7, maxTokens: 160), batchSize: Int = 8,
                format: Format = .chat) {
        self.model = model
        self.judge = judge
        self.minScore = minScore
        self.seed = seed
        self.parameters = parameters
        self.batchSize = max(1, batchSize)
        self.format = format
    }

    /// What a run did: attempts and passes, per constraint kind for instructions.
    public struct Stats: Sendable, Codable, Hashable {
        public var attempted = 0
        public var kept = 0
        public var byConstraint: [String: [Int]] = [:]  // kind → [passed, checked], the model's raw text
        /// Kept after `repair` rewrote their layout.
        public var repaired = 0
        public var passRate: Double { attempted == 0 ? 0 : Double(kept) / Double(attempted) }
    }

    /// Generates instruction-following examples until `kept` holds at least `count` of them (the
    /// last batch may add a few more), or after `maxAttempts` prompts; `progress` hears after
    /// every batch.
    public func instructions(count: Int, maxAttempts: Int, kept: JSONLWriter, rejected: JSONLWriter,
                             progress: (Stats, Int) -> Void = { _, _ in }) async throws -> Stats {
        let prompts = InstructionPrompts(seed: seed, topics: instructionTopics)
        var stats = Stats(), index = 0
        func keptCount() -> Int { kept.ids.filter { $0.hasPrefix("if-") }.count }  // once per batch
        while keptCount() < count && index < maxAttempts {
            var batch: [(Int, InstructionPrompts.Item)] = []
            while batch.count < batchSize && index < maxAttempts {
                let id = "if-\(index)"
                if !Self.recorded(id, kept, rejected) { batch.append((index, prompts.prompt(index))) }
                index += 1
            }
            guard !batch.isEmpty else { continue }
            let answers = try await model.complete(batch: batch.map { i, item in request(item.text, seed: UInt64(i)) })
            for ((i, item), answer) in zip(batch, answers) {
                let response = answer.text.trimmingCharacters(in: .whitespacesAndNewlines)
                // Quality filters every pipeline applies before its verifiers: the model ended
                // its answer itself, and did not loop.
                var checks: [String: Bool] = ["finished": answer.choices.first?.finishReason == .stop, "no_loops": !Self.loops(response),
                                              "clean": Self.clean(response)]
                for c in item.constraints {
                    let ok = c.verify(response)
                    checks[c.kind] = ok
                    stats.byConstraint[c.kind, default: [0, 0]][0] += ok ? 1 : 0
                    stats.byConstraint[c.kind, default: [0, 0]][1] += 1
                }
                var passed = checks.values.allSatisfy { $0 }
                var record: [String: Any] = ["kind": "instruction", "prompt": item.text, "response": response,
                                             "constraints": item.constraints.map(\.instruction), "checks": checks]
                if !passed && repair && checks["finished"] == true && checks["no_loops"] == true && checks["clean"] == true,
                   let fixed = Self.repaired(response, item.constraints) {
                    record["raw"] = response
                    record["response"] = fixed.text
                    record["repaired"] = fixed.kinds
                    passed = true
                    stats.repaired += 1
                }
                try (passed ? kept : rejected).append(id: "if-\(i)", record)
                stats.attempted += 1
                stats.kept += passed ? 1 : 0
            }
            progress(stats, keptCount())
        }
        return stats
    }

    /// Topic → `subtopics` sub-topics → one question each → an answer; kept when the judge gives
    /// the answer at least `minScore`.
    public func topics(_ topics: [String], subtopics: Int, kept: JSONLWriter, rejected: JSONLWriter,
                       progress: (Stats, Int) -> Void = { _, _ in }) async throws -> Stats {
        var stats = Stats()
        for (t, topic) in topics.enumerated() {
            let list = try await ask("List \(subtopics) sub-topics of \(topic), one per line, without numbering.", seed: UInt64(t))
            let subs = Array(Self.lines(list).prefix(subtopics))
            let questions = try await model.complete(batch: subs.enumerated().map { s, sub in
                request("Write one question a curious student might ask about \(sub) (\(topic)). Reply with the question only.", seed: UInt64(100 * t + s))
            }).map { Self.lines($0.text).first ?? "" }
            // Only questions not yet recorded are answered; a line that is no question is rejected unanswered.
            var pending: [(s: Int, question: String)] = []
            for (s, q) in questions.enumerated() where !q.isEmpty && !Self.recorded("topic-\(t)-\(s)", kept, rejected) {
                if Self.isQuestion(q) { pending.append((s, q)); continue }
                try rejected.append(id: "topic-\(t)-\(s)", ["kind": "topic", "topic": topic, "subtopic": subs[s], "prompt": q, "checks": ["question": false]])
                stats.attempted += 1
            }
            let answers = pending.isEmpty ? []
                : try await model.complete(batch: pending.map { request($0.question, seed: UInt64(10_000 + 100 * t + $0.s)) })
            for ((s, q), a) in zip(pending, answers) {
                let answer = a.text.trimmingCharacters(in: .whitespacesAndNewlines)
                try await judgeAndStore(["kind": "topic", "topic": topic, "subtopic": subs[s], "prompt": q, "response": answer], id: "topic-\(t)-\(s)",
                                        question: q, answer: answer, kept: kept, rejected: rejected, stats: &stats)
            }
            progress(stats, kept.count)
        }
        return stats
    }

    /// Two-turn dialogues from `questions`: answer, a follow-up the user might ask, its answer;
    /// kept when the judge gives the last answer at least `minScore`.
    public func dialogues(_ questions: [String], kept: JSONLWriter, rejected: JSONLWriter,
                          progress: (Stats, Int) -> Void = { _, _ in }) async throws -> Stats {
        var stats = Stats()
        for (d, question) in questions.enumerated() {
            let id = "dialogue-\(d)"
            guard !Self.recorded(id, kept, rejected) else { continue }
            let first = try await ask(question, seed: UInt64(20_000 + d))
            let followUp = Self.lines(try await ask("""
                A user asked: \(question)
                The assistant answered: \(first)
                Write the user's natural follow-up question. Reply with the question only.
                """, seed: UInt64(30_000 + d))).first ?? ""
            guard Self.isQuestion(followUp) else {  // not worth answering: the model wrote no question
                try rejected.append(id: id, ["kind": "dialogue", "messages": [["role": "user", "content": question], ["role": "assistant", "content": first]],
                                             "follow_up": followUp, "checks": ["question": false]])
                stats.attempted += 1
                continue
            }
            let second = try await model.complete(request([.user(question), .assistant(first), .user(followUp)], seed: UInt64(40_000 + d))).text
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let messages = [["role": "user", "content": question], ["role": "assistant", "content": first],
                            ["role": "user", "content": followUp], ["role": "assistant", "content": second]]
            try await judgeAndStore(["kind": "dialogue", "messages": messages], id: id, question: "\(question)\n(then, after the first answer) \(followUp)",
                                    answer: second, kept: kept, rejected: rejected, stats: &stats)
            progress(stats, kept.count)
        }
        return stats
    }

    /// Kinds of text the sentences are written as, so that one topic comes in several registers.
    public static let sentenceKinds = ["a news story", "a text message to a friend", "a school textbook", "an online review",
                                       "a diary", "a radio announcement"]

    /// Everyday topics for labelled sentences (any list works; these are broad categories).
    public static let sentenceTopics = ["sports", "food", "weather", "technology", "music", "health", "money", "travel", "animals",
                                        "science", "school", "movies", "art", "fashion", "cars", "space", "history", "gardening",
                                        "books", "games", "family", "work", "shopping", "politics"]

    /// `perTopic` sentences for each topic, written as one kind of text after another (each request
    /// its own seed); kept when `sentence(_:about:)` accepts the reply and no kept sentence is the same.
    public func sentences(_ topics: [String], perTopic: Int, kept: JSONLWriter, rejected: JSONLWriter,
                          progress: (Stats, Int) -> Void = { _, _ in }) async throws -> Stats {
        var stats = Stats(), seen = Set<String>()
        let topicVectors = try await embedder?.embed(topics)
        let jobs = topics.indices.flatMap { t in (0..<perTopic).map { (t: t, k: $0) } }
            .filter { !Self.recorded("sentence-\($0.t)-\($0.k)", kept, rejected) }
        for start in stride(from: 0, to: jobs.count, by: batchSize) {
            let batch = Array(jobs[start..<min(start + batchSize, jobs.count)])
            let replies = try await model.complete(batch: batch.map { job in
                let kind = Self.sentenceKinds[job.k % Self.sentenceKinds.count], topic = topics[job.t]
                return request("Write one sentence from \(kind) about \(topic). Do not use the word \"\(topic)\". Reply with the sentence only.",
                               seed: UInt64(50_000 + 1000 * job.t + job.k))
            })
            let texts = zip(batch, replies).map { job, reply in Self.sentence(reply.text, about: topics[job.t]) }
            var ranks = [Int?](repeating: nil, count: batch.count)
            if let embedder, let topicVectors {
                let vectors = try await embedder.embed(texts.map { $0 ?? "" })
                for (i, v) in vectors.enumerated() where texts[i] != nil {
                    let own = EmbeddingModel.cosine(v, topicVectors[batch[i].t])
                    ranks[i] = 1 + topicVectors.filter { EmbeddingModel.cosine(v, $0) > own }.count
                }
            }
            for (i, (job, reply)) in zip(batch, replies).enumerated() {
                var record: [String: Any] = ["kind": "sentence", "topic": topics[job.t], "style": Self.sentenceKinds[job.k % Self.sentenceKinds.count],
                                             "raw": reply.text]
                if let rank = ranks[i] { record["topic_rank"] = rank }
                let keep = texts[i] != nil && (ranks[i] ?? 1) <= 2 && seen.insert(texts[i]!.lowercased()).inserted
                if keep { record["text"] = texts[i]! }
                try (keep ? kept : rejected).append(id: "sentence-\(job.t)-\(job.k)", record)
                stats.attempted += 1
                stats.kept += keep ? 1 : 0
            }
            progress(stats, kept.count)
        }
        return stats
    }

    /// The reply's first sentence, unquoted, when it has 5 to 30 words, does not name the topic and
    /// does not repeat itself; nil otherwise.
    package static func sentence(_ reply: String, about topic: String) -> String? {
        guard let line = reply.split(whereSeparator: \.isNewline).first,
              let first = Constraint.sentences(line.trimmingCharacters(in: CharacterSet(charactersIn: " \"“”"))).first else { return nil }
        let t = first.trimmingCharacters(in: CharacterSet(charactersIn: " \"“”"))
        guard let end = t.last, ".!?".contains(end) else { return nil }
        let words = Constraint.words(t)
        let stem = String(topic.lowercased().prefix(max(4, topic.count - 2)))  // "sports" also catches "sport", "sporty"
        guard (5...30).contains(words.count), !t.lowercased().contains(stem), clean(t),
              Set(words.map { $0.lowercased() }).count * 3 >= words.count * 2 else { return nil }
        return t
    }

    /// `text` with each failing layout constraint repaired in turn, if then every constraint holds.
    package static func repaired(_ text: String, _ constraints: [Constraint]) -> (text: String, kinds: [String])? {
        var t = text, kinds: [String] = []
        for c in constraints where !c.verify(t) {
            guard let fixed = c.repair(t) else { return nil }
            t = fixed
            kinds.append(c.kind)
        }
        return constraints.allSatisfy { $0.verify(t) } && !kinds.isEmpty ? (t, kinds) : nil
    }

    /// Whether an earlier run already kept or rejected the record `id`.
    static func recorded(_ id: String, _ kept: JSONLWriter, _ rejected: JSONLWriter) -> Bool {
        kept.contains(id) || rejected.contains(id)
    }

    /// Grades `answer` (when there is a judge) and stores `record`, with the grade, as kept or rejected.
    private func judgeAndStore(_ record: [String: Any], id: String, question: String, answer: String, kept: JSONLWriter,
                               rejected: JSONLWriter, stats: inout Stats) async throws {
        var r = record, passed = true
        if let judge {
            do {
                let grade = try await judge.grade(question: question, answer: answer)
                r["score"] = grade.expected.map { ($0 * 100).rounded() / 100 } ?? Double(grade.score)
                r["reason"] = grade.reason
                passed = grade.value >= minScore
            } catch LMError.invalidRequest(let why) {  // the judge named no score: the record is rejected, the run goes on
                r["judge_error"] = why
                passed = false
            }
        }
        try (passed ? kept : rejected).append(id: id, r)
        stats.attempted += 1
        stats.kept += passed ? 1 : 0
    }

    private func request(_ text: String, seed offset: UInt64) -> CompletionRequest {
        request([.user(text)], seed: offset)
    }

    /// A conversation as a chat, or (few-shot) as the next turns of the worked examples'
    /// "Instruction:/Response:" transcript, ending where the model writes the last response.
    private func request(_ turns: [Message], seed offset: UInt64) -> CompletionRequest {
        var p = parameters
        p.seed = seed &* 1_000_003 &+ offset
        switch format {
        case .chat: return CompletionRequest(.chat(turns), parameters: p)
        case .fewShot:
            p.stop += ["\nInstruction:"]
            let transcript = turns.map { ($0.role == .user ? "Instruction: " : "Response: ") + $0.content }.joined(separator: "\n")
            return CompletionRequest(.text(Self.fewShotPreamble + transcript + "\nResponse:"), parameters: p)
        }
    }

    private func ask(_ text: String, seed offset: UInt64) async throws -> String {
        try await model.complete(request(text, seed: offset)).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One line ending in a question mark.
    static func isQuestion(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespaces)
        return t.count > 1 && t.hasSuffix("?") && !t.contains("\n")
    }

    /// Whether a response repeats itself: a line (of 3+ words) three times or more.
    package static func loops(_ text: String) -> Bool {
        var seen: [String: Int] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.split(separator: " ").count >= 3 else { continue }
            seen[t, default: 0] += 1
            if seen[t]! >= 3 { return true }
        }
        return false
    }

    /// Whether a response is only an answer: it does not run on into the transcript's next turn
    /// ("Response:", "Instruction:") or restate a constraint's wording, repeats no sentence of four
    /// words or more, and leaves no double quote open.
    package static func clean(_ text: String) -> Bool {
        let lower = text.lowercased()
        let leaks = ["instruction:", "response:", "write everything in", "answer with", "answer in at", "use the word", "do not use the word",
                     "end your answer", "write exactly"]
        guard !leaks.contains(where: lower.contains) else { return false }
        guard text.filter({ $0 == "\"" }).count % 2 == 0 else { return false }
        var seen = Set<String>()
        for sentence in Constraint.sentences(lower) where Constraint.words(sentence).count >= 4 {
            guard seen.insert(Constraint.words(sentence).joined(separator: " ")).inserted else { return false }
        }
        return true
    }

    /// Worked examples for a base model: one per kind of layout the constraints ask for, and one
    /// for each step of the topic and dialogue pipelines (on topics the prompts do not use).
    package static let fewShotPreamble = """
        Instruction: Describe how a kettle works. Answer in at most 30 words.
        Response: A kettle heats water with an electric element in its base. A thermostat switches it off when the water boils.

        Instruction: Write a short note about cats. Use the word "whiskers" in your answer.
        Response: Cats are quiet hunters. Their whiskers help them judge narrow gaps in the dark, and they sleep for most of the day.

        Instruction: Give advice to someone learning about compasses. Answer with a JSON object only.
        Response: {"advice": "Hold the compass flat, away from metal, and turn until the needle lines up with north."}

        Instruction: Explain thunder to a ten-year-old. Write everything in lowercase letters.
        Response: thunder is the sound of air heating up very fast around a lightning bolt. the air bursts outward and makes a boom.

        Instruction: Summarise why sleep matters. Write exactly 2 paragraphs, separated by a blank line.
        Response: Sleep lets the body repair muscles and helps the brain store what it learned during the day.

        Without enough sleep, people react more slowly and find it harder to concentrate.

        Instruction: Describe how skateboards work. Answer with exactly 3 bullet points, each on its own line starting with "- ".
        Response: - The rider pushes off the ground with one foot.
        - Four wheels on two trucks roll under the deck.
        - Leaning left or right tilts the trucks and turns the board.

        Instruction: List 3 sub-topics of gardening, one per line, without numbering.
        Response: preparing the soil
        watering plants
        keeping pests away

        Instruction: Write one question a curious student might ask about tides (the ocean). Reply with the question only.
        Response: Why does the sea have two high tides every day?

        Instruction: A user asked: How do bees make honey?
        The assistant answered: Bees collect nectar from flowers and fan it with their wings in the hive until most of its water has gone.
        Write the user's natural follow-up question. Reply with the question only.
        Response: Why do bees need to store so much honey?


        """

    /// Non-empty lines without list markers ("1.", "-", "*").
    package static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { line in
            var t = line.trimmingCharacters(in: .whitespaces)
            while let first = t.first, "-*•0123456789.) ".contains(first) { t.removeFirst() }
            return t.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }
}
