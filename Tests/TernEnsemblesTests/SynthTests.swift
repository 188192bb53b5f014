import Foundation
import XCTest
import TernEnsembles
import TernLM

/// The synthesizer with scripted models whose replies pass known verifiers, the judge filter,
/// and resuming after an interruption without losing or repeating a record.
final class SynthTests: XCTestCase {
    func path(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "tern-synth-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir + "/" + name
    }

    func records(_ file: String) throws -> [[String: Any]] {
        try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// A model that always answers `{"a": 1}`: it passes json, word limits, "excludes" and
    /// lowercase, and fails the rest, so what is kept is known from each prompt's constraints.
    func testInstructionsKeepExactlyTheVerifiedAndResume() async throws {
        let model = ScriptedModel(name: "json") { _ in #"{"a": 1}"# }
        let synth = Synthesizer(model: model, seed: 3, batchSize: 5)
        let keptPath = path("data.jsonl"), rejectedPath = path("data.rejected.jsonl")
        var kept = try JSONLWriter(path: keptPath), rejected = try JSONLWriter(path: rejectedPath)
        let first = try await synth.instructions(count: 10, maxAttempts: 500, kept: kept, rejected: rejected)
        // At least 10: the last batch of 5 may pass the mark.
        XCTAssertTrue((10..<15).contains(kept.ids.count), "\(kept.ids.count)")
        let keptBefore = kept.ids.count
        let passing: Set<String> = ["json", "max_words", "excludes", "lowercase", "finished", "no_loops", "clean"]
        for r in try records(keptPath) {
            let checks = r["checks"] as! [String: Bool]
            XCTAssertTrue(checks.values.allSatisfy { $0 } && Set(checks.keys).isSubset(of: passing), "\(r)")
        }
        for r in try records(rejectedPath) {
            XCTAssertFalse(Set((r["checks"] as! [String: Bool]).keys).isSubset(of: passing), "\(r)")
        }
        XCTAssertEqual(first.kept, keptBefore)
        XCTAssertEqual(first.attempted, kept.ids.count + rejected.ids.count)
        // The prompt order is the seed's: kept ids are exactly those whose constraints all pass.
        let prompts = InstructionPrompts(seed: 3)
        let expected = (0..<first.attempted).filter { Set(prompts.prompt($0).constraints.map(\.kind)).isSubset(of: passing) }.map { "if-\($0)" }
        XCTAssertEqual(kept.ids, Set(expected))

        // Interrupted mid-write: a torn last line is dropped; the run goes on to 20 without
        // repeating an id or asking again for prompts already answered.
        let h = FileHandle(forWritingAtPath: keptPath)!
        try h.seekToEnd()
        try h.write(contentsOf: Data(#"{"id": "if-99999", "respo"#.utf8))
        try h.close()
        let asked = model.requests.count
        kept = try JSONLWriter(path: keptPath)
        rejected = try JSONLWriter(path: rejectedPath)
        XCTAssertEqual(kept.ids.count, keptBefore, "the torn line is not a record")
        let second = try await synth.instructions(count: 20, maxAttempts: 500, kept: kept, rejected: rejected)
        let ids = try records(keptPath).map { $0["id"] as! String } + records(rejectedPath).map { $0["id"] as! String }
        XCTAssertEqual(ids.count, Set(ids).count, "no id twice")
        XCTAssertTrue((20..<25).contains(kept.ids.count), "\(kept.ids.count)")
        XCTAssertEqual(kept.ids.count, keptBefore + second.kept)
        XCTAssertEqual(model.requests.count - asked, second.attempted, "only new prompts are asked")
    }

    func testJudgeFiltersTopicAnswers() async throws {
        // Sub-topics, questions, answers; the judge gives 9 to answers mentioning "water", else 2.
        let model = ScriptedModel(name: "m") { r in
            let p = r.prompt.messages.last!.content
            if p.hasPrefix("List 2 sub-topics") { return "1. clouds\n2. rivers" }
            if p.hasPrefix("Write one question") { return p.contains("clouds") ? "How do clouds form?" : "Where do rivers go?" }
            if p.contains("[Rubric]") { return p.contains("water") ? "Reason: good.\nScore: 9" : "Reason: vague.\nScore: 2" }
            return p.contains("clouds") ? "From water vapour." : "Somewhere."
        }
        let synth = Synthesizer(model: model, judge: RubricGrader(model: model, rubric: "correct?"), minScore: 7)
        let kept = try JSONLWriter(path: path("t.jsonl")), rejected = try JSONLWriter(path: path("t.rejected.jsonl"))
        let stats = try await synth.topics(["the water cycle"], subtopics: 2, kept: kept, rejected: rejected)
        XCTAssertEqual(stats.attempted, 2)
        XCTAssertEqual(stats.kept, 1)
        XCTAssertEqual(kept.ids, ["topic-0-0"])
        XCTAssertEqual(rejected.ids, ["topic-0-1"])
    }

    func testALineThatIsNoQuestionIsRejectedUnanswered() async throws {
        let model = ScriptedModel(name: "m") { r in
            let p = r.prompt.messages.last!.content
            if p.hasPrefix("List 2 sub-topics") { return "clouds\nrivers" }
            if p.hasPrefix("Write one question") { return p.contains("clouds") ? "How do clouds form?" : "Rivers are long." }
            if p.contains("[Rubric]") { return "Reason: right.\nScore: 8" }
            return "An answer."
        }
        let synth = Synthesizer(model: model, judge: RubricGrader(model: model, rubric: "correct?"), minScore: 7)
        let rejectedPath = path("q.rejected.jsonl")
        let kept = try JSONLWriter(path: path("q.jsonl")), rejected = try JSONLWriter(path: rejectedPath)
        let stats = try await synth.topics(["the water cycle"], subtopics: 2, kept: kept, rejected: rejected)
        XCTAssertEqual([stats.attempted, stats.kept], [2, 1])
        XCTAssertEqual(kept.ids, ["topic-0-0"])
        XCTAssertEqual(try records(rejectedPath)[0]["checks"] as? [String: Bool], ["question": false])
        let asked = model.requests.map { $0.prompt.messages.last!.content }
        XCTAssertFalse(asked.contains("Rivers are long."), "no answer is asked for a line that is no question")
        XCTAssertTrue(asked.contains("How do clouds form?"))
    }

    func testAJudgeWithoutAScoreRejectsTheRecordAndTheRunGoesOn() async throws {
        let model = ScriptedModel(name: "m") { r in
            let p = r.prompt.messages.last!.content
            if p.hasPrefix("List 2 sub-topics") { return "clouds\nrivers" }
            if p.hasPrefix("Write one question") { return p.contains("clouds") ? "How do clouds form?" : "Where do rivers go?" }
            if p.contains("[Rubric]") { return p.contains("clouds") ? "I cannot say." : "Reason: right.\nScore: 8" }
            return "An answer."
        }
        let synth = Synthesizer(model: model, judge: RubricGrader(model: model, rubric: "correct?"), minScore: 7)
        let rejectedPath = path("j.rejected.jsonl")
        let kept = try JSONLWriter(path: path("j.jsonl")), rejected = try JSONLWriter(path: rejectedPath)
        let stats = try await synth.topics(["the water cycle"], subtopics: 2, kept: kept, rejected: rejected)
        XCTAssertEqual(stats.attempted, 2)
        XCTAssertEqual(kept.ids, ["topic-0-1"])
        XCTAssertEqual(rejected.ids, ["topic-0-0"])
        let record = try records(rejectedPath)[0]
        XCTAssertTrue((record["judge_error"] as? String)?.contains("no score") == true)
        XCTAssertNil(record["score"])
    }

    func testFewShotFormatAndQualityFilters() async throws {
        // A base model that loops on the first prompt and answers the second properly.
        let model = ScriptedModel(name: "base") { r in
            guard case .text(let p) = r.prompt, p.hasSuffix("\nResponse:") else { return nil }
            return r.parameters.seed == 2 * 1_000_003 ? "x y z\nx y z\nx y z" : "fine answer here"  // prompt 0 loops
        }
        XCTAssertTrue(Synthesizer.loops("a b c\nd\na b c\n a b c "))
        XCTAssertFalse(Synthesizer.loops("ok\nok\nok"), "short lines may repeat")
        let synth = Synthesizer(model: model, seed: 2, batchSize: 2, format: .fewShot)
        let rejectedPath = path("f.rejected.jsonl")
        let kept = try JSONLWriter(path: path("f.jsonl")), rejected = try JSONLWriter(path: rejectedPath)
        _ = try await synth.instructions(count: 1, maxAttempts: 2, kept: kept, rejected: rejected)
        let first = model.requests[0]
        XCTAssertTrue(first.parameters.stop.contains("\nInstruction:"))
        guard case .text(let text) = first.prompt else { return XCTFail("few-shot prompts are raw text") }
        XCTAssertEqual(text, Synthesizer.fewShotPreamble + "Instruction: " + InstructionPrompts(seed: 2).prompt(0).text + "\nResponse:")
        XCTAssertTrue(Synthesizer.fewShotPreamble.hasSuffix("?\n\n"), "a blank line after each worked example")
        let looped = try records(rejectedPath).first { ($0["response"] as? String)?.hasPrefix("x y z") == true }
        XCTAssertEqual((looped?["checks"] as? [String: Bool])?["no_loops"], false)
    }

    /// With repair, an answer that fails only layout constraints is rewritten, verified and kept
    /// with its raw text; one that fails a content constraint is still rejected.
    func testRepairKeepsLayoutFixesAndNothingElse() async throws {
        let answer = "Bees make honey from nectar. They fan it dry with their wings. Then they cap the comb with wax."
        let model = ScriptedModel(name: "plain") { _ in answer }
        var synth = Synthesizer(model: model, seed: 5, batchSize: 8)
        synth.repair = true
        let keptPath = path("r.jsonl")
        let kept = try JSONLWriter(path: keptPath), rejected = try JSONLWriter(path: path("r.rejected.jsonl"))
        let stats = try await synth.instructions(count: 1000, maxAttempts: 120, kept: kept, rejected: rejected)
        let prompts = InstructionPrompts(seed: 5)
        var expectRepaired = 0
        for i in 0..<120 {
            let cs = prompts.prompt(i).constraints
            let rawPasses = cs.allSatisfy { $0.verify(answer) }
            let fixable = !rawPasses && Synthesizer.repaired(answer, cs) != nil
            expectRepaired += fixable ? 1 : 0
            XCTAssertEqual(kept.contains("if-\(i)"), rawPasses || fixable, prompts.prompt(i).text)
        }
        XCTAssertGreaterThan(expectRepaired, 20)
        XCTAssertEqual(stats.repaired, expectRepaired)
        for r in try records(keptPath) where r["repaired"] != nil {
            XCTAssertEqual(r["raw"] as? String, answer)
            let c = InstructionPrompts(seed: 5).prompt(Int((r["id"] as! String).dropFirst(3))!).constraints
            XCTAssertTrue(c.allSatisfy { $0.verify(r["response"] as! String) })
        }
        // Without repair the same answers are kept only where they already pass.
        let plain = Synthesizer(model: model, seed: 5, batchSize: 8)
        let k2 = try JSONLWriter(path: path("p.jsonl")), r2 = try JSONLWriter(path: path("p.rejected.jsonl"))
        let s2 = try await plain.instructions(count: 1000, maxAttempts: 120, kept: k2, rejected: r2)
        XCTAssertEqual(s2.kept, stats.kept - expectRepaired)
    }

    func testFewShotDialogueContinuesTheTranscript() async throws {
        // A base model seen through the few-shot transcript: the second answer's prompt holds the
        // first exchange as earlier Instruction/Response turns.
        let model = ScriptedModel(name: "base") { r in
            if r.prompt.messages.last!.content.contains("[Rubric]") { return "Reason: fine.\nScore: 8" }  // the judge: a chat
            guard case .text(let p) = r.prompt, p.hasSuffix("\nResponse:") else { return nil }
            let exchange = p.components(separatedBy: "\n\n").last!  // after the worked examples
            if exchange.contains("natural follow-up") { return "Why does it rain?" }
            return exchange.contains("Instruction: Why does it rain?") ? "Drops grow heavy." : "Clouds hold water."
        }
        let synth = Synthesizer(model: model, judge: RubricGrader(model: model, rubric: "correct?"), minScore: 7, format: .fewShot)
        let keptPath = path("d.jsonl")
        let kept = try JSONLWriter(path: keptPath), rejected = try JSONLWriter(path: path("d.rejected.jsonl"))
        let stats = try await synth.dialogues(["What are clouds?"], kept: kept, rejected: rejected)
        XCTAssertEqual(stats.kept, 1)
        let last = model.requests.compactMap { r -> String? in
            guard case .text(let p) = r.prompt, p.contains("Why does it rain?"), !p.contains("[Rubric]") else { return nil }
            return p
        }.last
        XCTAssertEqual(last, Synthesizer.fewShotPreamble + "Instruction: What are clouds?\nResponse: Clouds hold water.\n"
                       + "Instruction: Why does it rain?\nResponse:")
        let messages = try records(keptPath)[0]["messages"] as? [[String: String]]
        XCTAssertEqual(messages?.map { $0["content"]! }, ["What are clouds?", "Clouds hold water.", "Why does it rain?", "Drops grow heavy."])
    }

    func testListLines() {
        XCTAssertEqual(Synthesizer.lines("1. clouds\n- rivers\n\n* rain (light)\n"), ["clouds", "rivers", "rain (light)"])
    }
}
