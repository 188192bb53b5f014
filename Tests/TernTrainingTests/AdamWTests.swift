import Foundation
import TernTraining
import XCTest

/// AdamW, gradient clipping and the warm-up + cosine schedule against PyTorch
/// (scripts/adamw_reference.py wrote Fixtures/adamw.json).
final class AdamWTests: XCTestCase {
    struct Fixture: Decodable {
        struct Step: Decodable { let grads: [[Float]]; let norm: Float; let rate: Float; let weights: [[Float]] }
        let shapes: [[Int]]
        let initial: [[Float]]
        let peak: Float, warmup: Int, total: Int, min_rate: Float, max_norm: Float, weight_decay: Float
        let steps: [Step]
    }

    func testMatchesPyTorch() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "adamw", withExtension: "json", subdirectory: "Fixtures"))
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let params = f.shapes.enumerated().map { i, shape in Parameter("p\(i)", shape: shape.reversed()) }
        for (p, w) in zip(params, f.initial) { p.set(w) }
        let opt = AdamW(parameters: params, weightDecay: f.weight_decay)
        let schedule = LearningRateSchedule(peak: f.peak, warmupSteps: f.warmup, totalSteps: f.total, minRate: f.min_rate)
        var clipped = 0
        for (step, s) in f.steps.enumerated() {
            for (p, g) in zip(params, s.grads) { p.zeroGrad(); g.withUnsafeBufferPointer { p.grad.update(from: $0.baseAddress!, count: p.count) } }
            let norm = clipGradients(params, maxNorm: f.max_norm)
            XCTAssertEqual(norm, s.norm, accuracy: 1e-5 * s.norm, "step \(step)")
            if norm > f.max_norm { clipped += 1 }
            XCTAssertEqual(schedule.rate(at: step), s.rate, accuracy: 1e-9, "step \(step)")
            opt.step(learningRate: schedule.rate(at: step))
            for (p, w) in zip(params, s.weights) {
                for (a, b) in zip(p.values, w) { XCTAssertEqual(a, b, accuracy: 2e-6, "step \(step) \(p.name)") }
            }
        }
        XCTAssertGreaterThan(clipped, 0, "the fixture exercises clipping")
        XCTAssertEqual(opt.steps, f.total)
    }

    func testScheduleShape() {
        let s = LearningRateSchedule(peak: 1, warmupSteps: 4, totalSteps: 14, minRate: 0.1)
        XCTAssertEqual(s.rate(at: 0), 0.25)
        XCTAssertEqual(s.rate(at: 3), 1)
        XCTAssertEqual(s.rate(at: 9), 0.55, accuracy: 1e-6)  // half-way through the decay
        XCTAssertEqual(s.rate(at: 14), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 100), 0.1, accuracy: 1e-6)
    }
}
