import Foundation
import TernEngine
import TernModels
import TernRL
import TernSearch
import TernTraining
import XCTest

/// GRPO: the objective's pieces against values worked out by hand, the rewards on crafted
/// answers, the weighted backward pass against central differences of the objective, and short
/// runs on the tiny random model (a rewarded token becomes likelier; a resumed run ends as an
/// uninterrupted one).
final class GRPOTests: XCTestCase {
    func testAdvantagesClipAndKLAgainstHandValues() {
        let grpo = GRPOObjective(epsilon: 0.2, beta: 0.04)
        // mean 0.5, sample std sqrt(1/3) = 0.57735: ±0.5 / 0.57745 = ±0.86588
        let a = grpo.advantages([1, 0, 0, 1])
        for (x, want) in zip(a, [0.86588, -0.86588, -0.86588, 0.86588]) { XCTAssertEqual(x, want, accuracy: 1e-5) }
        XCTAssertEqual(GRPOObjective(scaleRewards: false).advantages([1, 0, 0, 1]), [0.5, -0.5, -0.5, 0.5])
        XCTAssertEqual(grpo.advantages([0.3, 0.3, 0.3]), [0, 0, 0])  // a group that agrees teaches nothing

        // k3 at logp −1, ref −1.2: e^−0.2 + 0.2 − 1 = 0.0187308
        XCTAssertEqual(grpo.kl(logp: -1, ref: -1.2), 0.0187308, accuracy: 1e-7)
        XCTAssertEqual(grpo.kl(logp: -1, ref: -1), 0)
        // ratio e^0.5 = 1.64872 > 1.2: clipped for A > 0 (no push), not for A < 0 (pushed by ρ·A)
        XCTAssertTrue(grpo.isClipped(logp: -1, old: -1.5, advantage: 1))
        XCTAssertFalse(grpo.isClipped(logp: -1, old: -1.5, advantage: -1))
        XCTAssertEqual(grpo.objective(logp: -1, old: -1.5, ref: nil, advantage: 1), 1.2, accuracy: 1e-12)
        XCTAssertEqual(grpo.objective(logp: -1, old: -1.5, ref: nil, advantage: -1), -1.64872, accuracy: 1e-5)
        XCTAssertEqual(grpo.gradient(logp: -1, old: -1.5, ref: nil, advantage: 1), 0)
        XCTAssertEqual(grpo.gradient(logp: -1, old: -1.5, ref: nil, advantage: -1), -1.64872, accuracy: 1e-5)
        // At ρ = 1: A, plus β(e^(ref − logp) − 1) = 0.04 · (0.818731 − 1) = −0.00725077
        XCTAssertEqual(grpo.gradient(logp: -1, old: -1, ref: -1.2, advantage: 0.5), 0.5 - 0.00725077, accuracy: 1e-7)
        XCTAssertEqual(grpo.objective(logp: -1, old: -1, ref: -1.2, advantage: 0.5), 0.5 - 0.04 * 0.0187308, accuracy: 1e-7)

        XCTAssertEqual(GRPOObjective(averaging: .token).tokenWeights(lengths: [2, 3]), [0.2, 0.2])
        let perSequence = GRPOObjective(averaging: .sequence).tokenWeights(lengths: [2, 3])
        XCTAssertEqual(perSequence[0], 0.25, accuracy: 1e-12)
        XCTAssertEqual(perSequence[1], 1.0 / 6, accuracy: 1e-12)
    }

    func testRewardsOnCraftedAnswers() {
        let prompt = ArithmeticTask.prompt(ArithmeticProblem(question: "Kim has 7 pears. She buys 5 more. How many?", solution: "", answer: 12))
        func rollout(_ text: String, tokens: Int = 20, finished: Bool = true) -> Rollout {
            Rollout(prompt: prompt, text: text, tokens: tokens, finished: finished)
        }
        let good = rollout("<think>7 + 5 = 12.</think>\n<answer>12</answer>")
        let wrong = rollout("<think>7 + 5 = 13.</think> <answer>13</answer>")
        let untagged = rollout("7 + 5 = 12. Answer: 12")
        let trailing = rollout("<think>7 + 5 = 12.</think><answer>12 pears</answer> and more")
        let cut = rollout("<think>7 + 5 = 12.</think><answer>12</answer>", finished: false)

        let accuracy = Reward.accuracy(), format = Reward.format()
        XCTAssertEqual([good, wrong, untagged, trailing, cut].map(accuracy.score), [1, 0, 0, 1, 1])
        XCTAssertEqual([good, wrong, untagged, trailing, cut].map(format.score), [1, 1, 0, 0, 0])
        XCTAssertEqual(Reward.total([.accuracy(), .format(weight: 0.5)], for: good), 1.5)
        XCTAssertEqual(Reward.total([.accuracy(), .format(weight: 0.5)], for: wrong), 0.5)

        let tags = Reward.tags(), number = Reward.lastNumber()
        XCTAssertEqual([good, wrong, untagged, trailing, cut].map(tags.score), [1, 1, 0, 1, 1])
        XCTAssertEqual(tags.score(rollout("<think> </think> <answer> <answer>")), 0.5)
        XCTAssertEqual([good, wrong, untagged, trailing, cut].map(number.score), [1, 0, 1, 1, 1])
        XCTAssertEqual(number.score(rollout("12 apples, then 7 + 5 = 13")), 0)
        XCTAssertEqual(number.score(rollout("no number")), 0)

        let language = Reward.languageConsistency()
        XCTAssertEqual(language.score(rollout("<think>Kim buys five more: 12.</think><answer>12</answer>")), 1)
        // the reasoning "abcde где": 5 Latin letters and 3 Cyrillic
        XCTAssertEqual(language.score(rollout("<think>abcde где</think><answer>1</answer>")), 5.0 / 8, accuracy: 1e-12)
        XCTAssertEqual(language.score(rollout("<think>1 + 2</think><answer>3</answer>")), 0)

        let length = Reward.length(limit: 100, buffer: 20)
        XCTAssertEqual(length.score(rollout("x", tokens: 80)), 0)
        XCTAssertEqual(length.score(rollout("x", tokens: 90)), -0.5)
        XCTAssertEqual(length.score(rollout("x", tokens: 100, finished: false)), -1)

        XCTAssertEqual(ThinkAnswer("<think> a </think> <answer> 4 </answer>"), ThinkAnswer("<think>a</think><answer>4</answer>"))
        XCTAssertEqual(ArithmeticTask.number(in: "14."), 14)
        XCTAssertEqual(ArithmeticTask.number(in: "14 apples"), 14)
        XCTAssertNil(ArithmeticTask.number(in: "14 or 15"))
        XCTAssertNil(ArithmeticTask.number(in: "9 + 5 = 14"))
    }

    func testWorkedSolutionsAreKeptOnlyWhenEveryStepIsTrue() throws {
        let p = ArithmeticProblem(question: "Kim has 7 pears. She buys 5 more and gives away 4. How many pears does Kim have now?",
                                  solution: "", answer: 8)
        let s = try XCTUnwrap(WorkedSolutions.verified("7 + 5 = 12.\n12 - 4 = 8.\nAnswer: 8", problem: p))
        XCTAssertEqual(s.steps, ["7 + 5 = 12.", "12 - 4 = 8."])
        XCTAssertEqual(s.messages[1]["content"], "<think>\n7 + 5 = 12.\n12 - 4 = 8.\n</think>\n<answer>8</answer>")
        XCTAssertTrue(s.messages[0]["content"]!.hasSuffix(p.question))
        // The tagged answer earns the rewards GRPO will give.
        let rollout = Rollout(prompt: ArithmeticTask.prompt(p), text: s.messages[1]["content"]!, tokens: 20, finished: true)
        XCTAssertEqual(Reward.total([.accuracy(), .format()], for: rollout), 2)
        XCTAssertNil(WorkedSolutions.verified("7 + 5 = 13.\n13 - 5 = 8.\nAnswer: 8", problem: p))  // right answer, false step
        XCTAssertNil(WorkedSolutions.verified("7 + 5 = 12.\n12 - 3 = 9.\nAnswer: 9", problem: p))  // wrong answer
        XCTAssertNil(WorkedSolutions.verified("Answer: 8", problem: p))  // no work shown
        XCTAssertNil(WorkedSolutions.verified("7 + 5 = 12.\nKim is happy.\nAnswer: 8", problem: p))
        XCTAssertNotNil(WorkedSolutions.verified("4 * 6 = 24.\n24 - 16 = 8.\nAnswer: 8", problem: p))  // other work, all true
    }

    func testTrainingPromptsNeverIncludeTheHeldOutProblems() {
        let task = ArithmeticTask()
        let held = Set(task.heldOut.map(\.question))
        XCTAssertEqual(held.count, 100)
        XCTAssertEqual(held, Set(ArithmeticProblems.generate(count: 100, seed: 1).map(\.question)))  // tern experiment ttc's problems
        var seen = Set<String>()
        for step in 0..<200 {
            let prompts = task.trainingPrompts(count: 16, step: step, seed: 0)
            XCTAssertEqual(prompts.count, 16)
            seen.formUnion(prompts.map(\.question))
        }
        XCTAssertTrue(seen.isDisjoint(with: held))
        XCTAssertEqual(task.trainingPrompts(count: 4, step: 3, seed: 0).map(\.question), task.trainingPrompts(count: 4, step: 3, seed: 0).map(\.question))
        XCTAssertNotEqual(task.trainingPrompts(count: 4, step: 3, seed: 0).map(\.question), task.trainingPrompts(count: 4, step: 4, seed: 0).map(\.question))
    }

    /// With the per-token coefficients c_t·∂J/∂logp held fixed, the backward pass gives the
    /// gradient of the GRPO loss −Σ c_t·J_t (ratios away from the clip's edges, some clipped).
    func testWeightedBackwardIsTheGradientOfTheObjective() throws {
        let model = try Gemma3TrainingTests.tinyModel(seed: 60)
        let trainer = Gemma3Training(model: model, mode: .lora(rank: 2, alpha: 4, targets: [.q, .down], seed: 3))
        var rng = TestRandom(61)
        for a in trainer.adapters { a.b.set(rng.floats(a.b.count, 0.3)) }  // B ≠ 0: the adapters matter
        let tokens = [2, 7, 9, 11, 5, 20, 31, 8, 2, 14, 15, 40, 6, 6]
        let starts = [Int](repeating: 0, count: 8) + [Int](repeating: 8, count: 6)
        let targets = [-1, -1, 11, 5, 20, 31, 8, -1, -1, -1, 40, 6, 6, -1]
        let grpo = GRPOObjective(epsilon: 0.2, beta: 0.04)
        let now = trainer.tokenLosses(tokens: tokens, starts: starts, targets: targets, backward: false) { _, _ in 0 }.map { -$0 }
        // old = now − offset: ratios e^0.1 (inside the clip) or e^0.6 / e^−0.6 (outside)
        let offsets: [Double] = [0, 0, 0.1, 0.6, -0.1, -0.6, 0.1, 0, 0, 0, 0.6, -0.1, 0.1, 0]
        let old = zip(now, offsets).map { $0 - $1 }
        let ref = now.map { $0 - 0.3 }
        let advantage: [Double] = [0, 0, 1, 1, -1, -1, 0.5, 0, 0, 0, -0.7, 0.7, 0.7, 0]
        let c = grpo.tokenWeights(lengths: [5, 3])
        let weight = (0..<tokens.count).map { $0 < 8 ? c[0] : c[1] }
        func loss() -> Double {
            let logp = trainer.tokenLosses(tokens: tokens, starts: starts, targets: targets, backward: false) { _, _ in 0 }.map { -$0 }
            return -targets.indices.filter { targets[$0] >= 0 }.reduce(0.0) { sum, t in
                sum + weight[t] * grpo.objective(logp: logp[t], old: old[t], ref: ref[t], advantage: advantage[t])
            }
        }
        for p in trainer.parameters { p.zeroGrad() }
        _ = trainer.tokenLosses(tokens: tokens, starts: starts, targets: targets, backward: true) { t, nll in
            Float(weight[t] * grpo.gradient(logp: -nll, old: old[t], ref: ref[t], advantage: advantage[t]))
        }
        XCTAssertTrue(targets.indices.contains { targets[$0] >= 0 && grpo.isClipped(logp: now[$0], old: old[$0], advantage: advantage[$0]) })
        for p in [trainer.adapters[0].b, trainer.adapters[3].a] {
            var x = p.values
            let analytic = p.grads
            checkGradient(p.name, &x, analytic: analytic, h: 1e-2, tolerance: 5e-3) { values in
                p.set(values)
                return loss()
            }
            p.set(x)
        }
    }

    /// The tiny model (with a vocabulary) and a task whose reward is the share of "x" tokens in
    /// the answer: a few GRPO steps make "x" after the prompt much likelier.
    func testARewardedTokenBecomesLikelier() throws {
        let (loaded, trainer, cleanup) = try tinyPolicy(seed: 70)
        defer { cleanup() }
        let x = loaded.tokenizer.encode("x", addSpecial: false, parseSpecial: false)
        XCTAssertEqual(x.count, 1)
        let prompt = loaded.tokenizer.encode("a b c", addSpecial: true, parseSpecial: false)
        func probabilityOfX() -> Double {
            let nll = trainer.tokenLosses(tokens: prompt + x, starts: [Int](repeating: 0, count: prompt.count + 1),
                                          targets: [Int](repeating: -1, count: prompt.count - 1) + [x[0], -1], backward: false) { _, _ in 0 }
            return exp(-nll[prompt.count - 1])
        }
        let before = probabilityOfX()
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = GRPOTrainer(model: trainer, loaded: loaded, task: LetterTask(), rewards: [LetterTask.shareOfX], render: { p in
            loaded.tokenizer.encode(p.message, addSpecial: true, parseSpecial: false)
        }, settings: Self.tinySettings(steps: 8), out: dir, fingerprint: "tiny")
        var logs: [GRPOStepLog] = []
        try run.train { logs.append($0) }
        let after = probabilityOfX()
        XCTAssertEqual(logs.count, 8)
        XCTAssertGreaterThan(after, 3 * before, "p(x) \(before) -> \(after)")
        XCTAssertGreaterThan(logs.suffix(2).map(\.reward).reduce(0, +), logs.prefix(2).map(\.reward).reduce(0, +))
        XCTAssertLessThan(logs[0].samplerMismatch, 1e-3)  // the engine and the training pass agree (float weights)
        XCTAssertEqual(GRPOTrainer.readLog(run.logPath).count, 8)
    }

    func testAResumedRunEndsWithTheSameWeights() throws {
        func train(steps: [Int], dir: String) throws -> [[Float]] {
            var result: [[Float]] = []
            for n in steps {  // each call a new process's worth of state: fresh model, trainer and run
                let (loaded, trainer, cleanup) = try tinyPolicy(seed: 71)
                defer { cleanup() }
                let run = GRPOTrainer(model: trainer, loaded: loaded, task: LetterTask(), rewards: [LetterTask.shareOfX], render: { p in
                    loaded.tokenizer.encode(p.message, addSpecial: true, parseSpecial: false)
                }, settings: Self.tinySettings(steps: n), out: dir, fingerprint: "resume")
                try run.train()
                result = trainer.parameters.map(\.values)
            }
            return result
        }
        let a = temporaryDirectory(), b = temporaryDirectory()
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let straight = try train(steps: [3], dir: a)
        let resumed = try train(steps: [2, 3], dir: b)  // stopped after step 2, then started again
        XCTAssertEqual(straight, resumed)
        XCTAssertEqual(GRPOTrainer.readLog(b + "/log.jsonl").map(\.step), [1, 2, 3])
        XCTAssertEqual(GRPOTrainer.readLog(a + "/log.jsonl").map(\.reward), GRPOTrainer.readLog(b + "/log.jsonl").map(\.reward))
    }

    // MARK: Helpers

    static func tinySettings(steps: Int) -> GRPOSettings {
        var s = GRPOSettings()
        s.steps = steps
        s.group = 8
        s.promptsPerStep = 2
        s.maxTokens = 6
        s.learningRate = 2e-2
        s.checkpointEvery = 1
        s.evalEvery = 1000
        s.seed = 5
        return s
    }

    /// The tiny random model with a vocabulary, loaded by the engine, and a LoRA trainer over it.
    func tinyPolicy(seed: UInt64) throws -> (LoadedModel, Gemma3Training, () -> Void) {
        let path = try Gemma3TrainingTests.writeModel(Gemma3TrainingTests.tinyTensors(seed: seed), tokenizer: true)
        let loaded = try LoadedModel(path: path, threads: 2)
        let trainer = Gemma3Training(model: try XCTUnwrap(loaded.model as? Gemma3), mode: .lora(rank: 4, alpha: 8, seed: seed))
        return (loaded, trainer, { try? FileManager.default.removeItem(atPath: path) })
    }

    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("grpo-\(UUID().uuidString)").path
    }
}

/// A task for the tiny model: every prompt is a few letters, the reward counts "x".
struct LetterTask: RLTask {
    var name: String { "letters" }
    var heldOut: [TaskPrompt] { [] }

    func trainingPrompts(count: Int, step: Int, seed: UInt64) -> [TaskPrompt] {
        (0..<count).map { k in
            let text = ["a b c", "d e f", "g h i"][(step + k) % 3]
            return TaskPrompt(question: text, message: text, expected: "x") { _ in false }
        }
    }

    static let shareOfX = Reward("x") { r in
        let letters = r.text.split(separator: " ")
        return letters.isEmpty ? 0 : Double(letters.filter { $0 == "x" }.count) / Double(letters.count)
    }
}
