import Foundation
import TernKernels

/// A sparse mixture-of-experts feed-forward sub-layer (Qwen-MoE, DeepSeek-MoE): a router scores the
/// E experts for each token, the token goes through its top k SwiGLU experts only, and their outputs
/// are summed weighted by the router's softmax probabilities (renormalised over the k chosen when
/// `normalizeTopK`, then times `weightScale`: DeepSeek's routed scaling factor). An optional shared
/// expert, always on, is added scaled by a sigmoid gate (Qwen2-MoE) or by one (DeepSeek).
///
/// Only the experts some token routes to are read: tokens are grouped by expert, and each used
/// expert runs once over its group. Shape letters: T tokens, C dim, E experts, Fe expert width.
struct MixtureOfExperts {
    let router: QuantMatrix        // (E, C)
    let experts: [GatedMLP]        // E experts of width Fe
    let used: Int                  // k
    let normalizeTopK: Bool
    var weightScale: Float = 1
    var shared: GatedMLP? = nil
    var sharedGate: [Float]? = nil  // (C): the shared expert's sigmoid gate, if gated

    /// The experts `x`'s router logits choose, with their weights: the k most probable under the
    /// softmax, in decreasing order.
    func route(_ logits: UnsafePointer<Float>) -> [(expert: Int, weight: Float)] {
        let E = experts.count
        var top = logits[0]
        for e in 1..<E { top = max(top, logits[e]) }
        var p = [Float](repeating: 0, count: E), sum: Float = 0
        for e in 0..<E { p[e] = expf(logits[e] - top); sum += p[e] }
        let chosen = (0..<E).sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }.prefix(used)
        let total = normalizeTopK ? chosen.reduce(Float(0)) { $0 + p[$1] } : sum
        return chosen.map { ($0, p[$0] / total * weightScale) }
    }

    /// xn, out: (T, C); gateBuffer, upBuffer: (T, shared width) each, for the shared expert.
    /// `state.activations` must hold T·k rows (every token once per chosen expert).
    func callAsFunction(_ xn: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, tokens T: Int, dim C: Int,
                        expertDim F: Int, sharedDim: Int, state: ModelState, gateBuffer: UnsafeMutablePointer<Float>,
                        upBuffer: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let E = experts.count
        var logits = [Float](repeating: 0, count: T * E)
        matmul(router, xn, &logits, tokens: T, pool: pool, scratch: state.activations)  // (T, E)
        var groups = [[(token: Int, weight: Float)]](repeating: [], count: E)
        logits.withUnsafeBufferPointer { logits in
            for t in 0..<T {
                for (e, w) in route(logits.baseAddress! + t * E) { groups[e].append((t, w)) }
            }
        }
        // Tokens gathered expert by expert into R rows, so each expert's products read a run of
        // rows; all experts' gate and up products go to the pool at once, then all their downs.
        var starts = [Int](repeating: 0, count: E + 1)
        for e in 0..<E { starts[e + 1] = starts[e] + groups[e].count }
        let R = starts[E]
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: R * (2 * C + 2 * F))
        defer { buffer.deallocate() }
        let x = buffer, g = x + R * C, u = g + R * F, y = u + R * F  // (R, C), (R, F), (R, F), (R, C)
        for e in 0..<E { for (i, (t, _)) in groups[e].enumerated() { (x + (starts[e] + i) * C).update(from: xn + t * C, count: C) } }
        let used = (0..<E).filter { !groups[$0].isEmpty }
        let input = state.activations.input(x, tokens: R, cols: C)
        matmul(used.flatMap { e in
            let rows = starts[e]..<starts[e + 1]
            return [(experts[e].gate, rows, g + rows.lowerBound * F), (experts[e].up, rows, u + rows.lowerBound * F)]
        }, input, pool: pool)
        swiglu(g, u, R * F)
        let hidden = state.activations.input(g, tokens: R, cols: F)
        matmul(used.map { e in
            let rows = starts[e]..<starts[e + 1]
            return (experts[e].down, rows, y + rows.lowerBound * C)
        }, hidden, pool: pool)
        for i in 0..<T * C { out[i] = 0 }
        for e in used { for (i, (t, w)) in groups[e].enumerated() { axpy(w, y + (starts[e] + i) * C, out + t * C, C) } }
        guard let shared else { return }
        var s = [Float](repeating: 0, count: T * C)
        shared(xn, out: &s, tokens: T, dim: C, ffnDim: sharedDim, lora: LayerAdapters(), state: state,
               gateBuffer: gateBuffer, upBuffer: upBuffer, pool: pool)
        for t in 0..<T {
            let g = sharedGate.map { w in 1 / (1 + expf(-w.withUnsafeBufferPointer { dot(xn + t * C, $0.baseAddress!, C) })) } ?? 1
            s.withUnsafeBufferPointer { axpy(g, $0.baseAddress! + t * C, out + t * C, C) }
        }
    }
}

extension WeightLoader {
    /// Layer `p`'s routed SwiGLU experts (`ffn_{gate,up,down}_exps`) and router (`ffn_gate_inp`),
    /// with no shared expert yet: the family adds its own.
    func mixtureOfExperts(_ p: String, experts E: Int, used: Int, dim: Int, expertDim: Int, normalizeTopK: Bool) throws -> MixtureOfExperts {
        let gates = try experts(p + "ffn_gate_exps.weight", count: E, rows: expertDim, cols: dim)
        let ups = try experts(p + "ffn_up_exps.weight", count: E, rows: expertDim, cols: dim)
        let downs = try experts(p + "ffn_down_exps.weight", count: E, rows: dim, cols: expertDim)
        return MixtureOfExperts(
            router: try matrix(p + "ffn_gate_inp.weight", rows: E, cols: dim),
            experts: (0..<E).map { GatedMLP(gate: gates[$0], up: ups[$0], down: downs[$0], activation: .silu) },
            used: used, normalizeTopK: normalizeTopK)
    }

    /// A stacked expert tensor (ggml shape [cols, rows, E]) as E matrices viewed in place, packed.
    func experts(_ name: String, count: Int, rows: Int, cols: Int) throws -> [QuantMatrix] {
        guard let t = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
        guard t.shape == [cols, rows, count] else { throw ModelError.badShape(name, t.shape, expected: [cols, rows, count]) }
        let whole = QuantMatrix(type: t.type, rows: rows * count, cols: cols, data: file.data(for: t))
        return (0..<count).map { e in
            QuantMatrix(type: t.type, rows: rows, cols: cols, data: whole.row(e * rows))
                .packed { start, count in file.releasePages(start, count: count) }
        }
    }
}
