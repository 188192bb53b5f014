import Foundation
import TernTraining
import XCTest

/// The SFT loop on the tiny random model: the loss falls, a run killed after a checkpoint and
/// started again ends with the same weights as one that was never stopped, and a loss that
/// blows up stops the run with one line and keeps the last good checkpoint.
final class SFTTrainerTests: XCTestCase {
    private struct Killed: Error {}

    /// Twelve short next-token examples over the tiny vocabulary, with loss on their second half.
    private var examples: [EncodedExample] {
        var rng = TestRandom(40)
        return (0..<12).map { _ in
            let tokens = (0..<6).map { _ in Int(rng.next() % 48) }
            return EncodedExample(tokens: tokens, targets: [-1, -1, tokens[3], tokens[4], tokens[5], -1])
        }
    }

    private func folder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sft-run-\(UUID())").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func trainer(out: String, lr: Float = 1e-2, mode: TrainingMode = .lora(rank: 4, alpha: 8, dropout: 0.1, seed: 9)) throws -> SFTTrainer {
        let model = Gemma3Training(model: try Gemma3TrainingTests.tinyModel(seed: 41), mode: mode)
        var settings = SFTSettings()
        settings.learningRate = lr
        settings.checkpointEvery = 2
        settings.evalEvery = 3
        let plan = SFTPlan(examples: examples, context: 12, batchTokens: 24, epochs: 2, seed: 3)
        let held = SFTPlan(examples: Array(examples.prefix(2)), context: 12, batchTokens: 12, epochs: 1, seed: 0).steps.flatMap(\.batches)
        return SFTTrainer(model: model, plan: plan, eval: held, settings: settings, out: out, fingerprint: "test")
    }

    func testLossFallsAndAResumedRunEndsWithTheSameWeights() throws {
        let whole = try trainer(out: folder())
        XCTAssertEqual(whole.plan.steps.count, 6, "72 tokens an epoch in steps of 24, two epochs")
        let logs = try { var l: [StepLog] = []; try whole.train { l.append($0) }; return l }()
        XCTAssertEqual(logs.map(\.step), [1, 2, 3, 4, 5, 6])
        XCTAssertLessThan(logs.last!.loss, logs.first!.loss)
        XCTAssertNotNil(logs[2].evalLoss)
        XCTAssertNil(logs[0].evalLoss)

        let out = folder()
        let killed = try trainer(out: out)
        XCTAssertThrowsError(try killed.train { if $0.step == 5 { throw Killed() } }) { XCTAssertTrue($0 is Killed) }
        XCTAssertEqual(try Checkpoint.header(at: out + "/checkpoint.bin")?.step, 4)
        let resumed = try trainer(out: out)
        XCTAssertEqual(try resumed.train(), 2, "steps 5 and 6 again")
        for (a, b) in zip(whole.model.parameters, resumed.model.parameters) {
            XCTAssertEqual(a.values, b.values, a.name)
        }
        XCTAssertEqual(SFTTrainer.readLog(out + "/log.jsonl").map(\.step), [1, 2, 3, 4, 5, 6], "each step logged once")
    }

    func testAnotherRunsCheckpointIsRefused() throws {
        let out = folder()
        try trainer(out: out).train()
        let other = try trainer(out: out)
        let f = SFTTrainer(model: other.model, plan: other.plan, settings: other.settings, out: out, fingerprint: "other")
        XCTAssertThrowsError(try f.train()) { XCTAssertTrue("\($0)".contains("belongs to another run"), "\($0)") }
    }

    func testABlownUpLossStopsWithOneLineAndKeepsTheLastCheckpoint() throws {
        let out = folder()
        let run = try trainer(out: out, lr: 1e30, mode: .full)
        XCTAssertThrowsError(try run.train()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("the loss became"), text)
            XCTAssertTrue(text.contains("lower --lr"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        let header = try Checkpoint.header(at: out + "/checkpoint.bin")
        XCTAssertTrue(header == nil || header!.step >= 2, "only good steps are checkpointed")
    }

    /// `firstTokenWeight` W counts each assistant turn's first token W times: the step's gradient is
    /// the plain one plus (W − 1) times that of the first tokens' loss alone, taken through the
    /// model's own unweighted pass with every other target masked.
    func testFirstTokenWeightAddsTheFirstTokensGradientWTimes() throws {
        let model = Gemma3Training(model: try Gemma3TrainingTests.tinyModel(seed: 41), mode: .full)
        let plan = SFTPlan(examples: examples, context: 12, batchTokens: 24, epochs: 1, seed: 3)
        let step = plan.steps[0]
        func gradient(_ body: () -> Void) -> [Float] {
            for p in model.parameters { p.zeroGrad() }
            body()
            return model.parameters.flatMap(\.grads)
        }
        var settings = SFTSettings()
        func trainerGradient() -> [Float] {
            gradient { _ = SFTTrainer(model: model, plan: plan, settings: settings, out: folder(), fingerprint: "w").accumulateGradients(step) }
        }
        let plain = trainerGradient()
        settings.firstTokenWeight = 4
        let weighted = trainerGradient()
        var firstCount = 0
        let firsts = gradient {
            for b in step.batches {
                let masked = b.targets.indices.map { t in b.targets[t] >= 0 && (t == 0 || b.targets[t - 1] < 0) ? b.targets[t] : -1 }
                firstCount += masked.filter { $0 >= 0 }.count
                _ = model.run(tokens: b.tokens, starts: b.starts, targets: masked, gradScale: 1 / Float(step.targetCount), backward: true)
            }
        }
        XCTAssertEqual(firstCount, step.batches.reduce(0) { $0 + Set($1.starts).count }, "one first token per example")
        let tolerance = 1e-4 * (weighted.map(abs).max() ?? 1)
        var largest: Float = 0
        for i in plain.indices {
            XCTAssertEqual(weighted[i], plain[i] + 3 * firsts[i], accuracy: tolerance, "weight \(i)")
            largest = max(largest, abs(weighted[i] - plain[i]))
        }
        XCTAssertGreaterThan(largest, 100 * tolerance, "the weight changed the gradient")
    }
}
