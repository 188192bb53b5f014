import TernKernels
import TernTraining
import XCTest

/// LoRA on a frozen base: a new adapter changes nothing, and its gradients (with and without
/// dropout) match central differences.
final class LoRATests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    private func frozenBase(rows: Int, cols: Int, _ rng: inout TestRandom) -> DenseLinear {
        denseLayer(rng.floats(rows * cols), rows: rows, cols: cols, trainable: false)
    }

    private func run(_ layer: Linear, _ x: [Float], tokens: Int) -> [Float] { forwardLayer(layer, x, tokens: tokens, pool: pool) }

    func testNewAdapterLeavesTheBaseOutputExactly() {
        var rng = TestRandom(20)
        let base = frozenBase(rows: 9, cols: 32, &rng)
        let lora = LoRALinear(base: base, rank: 4, alpha: 8, name: "q", seed: 1)
        let x = rng.floats(3 * 32)
        XCTAssertEqual(run(lora, x, tokens: 3), run(base, x, tokens: 3))
        XCTAssertEqual(lora.b.values, [Float](repeating: 0, count: 9 * 4), "B starts at zero")
        let bound = 1 / Float(32).squareRoot()
        XCTAssertTrue(lora.a.values.allSatisfy { abs($0) <= bound }, "A within ±1/√cols")
        XCTAssertGreaterThan(Set(lora.a.values).count, 100, "A is random")
        XCTAssertEqual(lora.parameters.map(\.name), ["q.lora_a", "q.lora_b"], "the base is frozen")
        XCTAssertEqual(lora.a.shape, [32, 4])
        XCTAssertEqual(lora.b.shape, [4, 9])
    }

    func testGradients() {
        for dropout: Float in [0, 0.3] {
            var rng = TestRandom(21)
            let rows = 6, cols = 10, T = 4
            let base = frozenBase(rows: rows, cols: cols, &rng)
            let lora = LoRALinear(base: base, rank: 3, alpha: 6, dropout: dropout, name: "v", seed: 5)
            lora.b.set(rng.floats(rows * 3))
            var x = rng.floats(T * cols)
            let r = rng.floats(T * rows)
            let seed = lora.seed
            func loss(_ x: [Float]) -> Double { lora.seed = seed; return weightedSum(run(lora, x, tokens: T), r) }
            _ = loss(x)
            var dx = [Float](repeating: 0, count: T * cols)
            lora.backward(r, input: x, tokens: T, dx: &dx, pool: pool)
            let dA = lora.a.grads, dB = lora.b.grads
            // dx by central differences on x: the same dropout mask every time (the seed is reset).
            checkGradient("dx p=\(dropout)", &x, analytic: dx, loss: loss)
            var a = lora.a.values
            checkGradient("dA p=\(dropout)", &a, analytic: dA) { a in lora.a.set(a); return loss(x) }
            lora.a.set(a)
            var b = lora.b.values
            checkGradient("dB p=\(dropout)", &b, analytic: dB) { b in lora.b.set(b); return loss(x) }
        }
    }
}
