import Foundation
import TernEngine

/// Loads `logits` as the candidates of one step, as `SamplerChain` does.
func candidates(_ logits: [Float]) -> Candidates {
    var c = Candidates()
    logits.withUnsafeBufferPointer { c.load($0) }
    return c
}

/// The live token ids, in candidate order.
func live(_ c: Candidates) -> [Int] { Array(c.ids[0..<c.count]) }

/// The live logits, in candidate order.
func liveLogits(_ c: Candidates) -> [Float] { Array(c.logits[0..<c.count]) }

/// Shannon entropy (nats) of a probability vector — a test-side calculator, independent of the samplers.
func shannon(_ p: [Float]) -> Float { -p.reduce(0) { $0 + ($1 > 0 ? $1 * logf($1) : 0) } }
