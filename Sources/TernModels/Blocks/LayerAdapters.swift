/// The LoRA adapters of one decoder block's linear layers, by llama.cpp's tensor names
/// (`blk.N.attn_q.weight` …), applied after each base product in the order given.
struct LayerAdapters {
    var q: [LoRAAdapter.Delta] = [], k: [LoRAAdapter.Delta] = [], v: [LoRAAdapter.Delta] = []
    var o: [LoRAAdapter.Delta] = [], gate: [LoRAAdapter.Delta] = [], up: [LoRAAdapter.Delta] = []
    var down: [LoRAAdapter.Delta] = []

    /// `layers` with their slots filled from `adapters`, each checked against the weight it adapts.
    static func attach<Layer: AdaptableLayer>(_ adapters: [LoRAAdapter], to layers: [Layer], architecture: String,
                                              shape s: some DecoderShape) throws -> [Layer] {
        let slots = try attach(adapters, architecture: architecture, layers: s.layers, dim: s.dim, qDim: s.heads * s.headDim,
                               kvDim: s.kvHeads * s.headDim, ffnDim: s.ffnDim)
        return zip(layers, slots).map { layer, lora in
            var l = layer
            l.lora = lora
            return l
        }
    }

    /// Every block's slots filled from `adapters` (checked against the weights' shapes), after
    /// checking that the adapters are for `architecture` and adapt nothing the model lacks.
    private static func attach(_ adapters: [LoRAAdapter], architecture: String, layers: Int, dim: Int, qDim: Int, kvDim: Int,
                       ffnDim: Int) throws -> [LayerAdapters] {
        for a in adapters where a.architecture != architecture {
            throw ModelError("\(a.path) is an adapter for \(a.architecture), not \(architecture)")
        }
        var adapted = Set<String>()
        func deltas(_ name: String, _ rows: Int, _ cols: Int) throws -> [LoRAAdapter.Delta] {
            adapted.insert(name)
            return try LoRAAdapter.deltas(adapters, weight: name, rows: rows, cols: cols)
        }
        let result = try (0..<layers).map { i in
            let p = "blk.\(i)."
            return LayerAdapters(
                q: try deltas(p + "attn_q.weight", qDim, dim), k: try deltas(p + "attn_k.weight", kvDim, dim),
                v: try deltas(p + "attn_v.weight", kvDim, dim), o: try deltas(p + "attn_output.weight", dim, qDim),
                gate: try deltas(p + "ffn_gate.weight", ffnDim, dim), up: try deltas(p + "ffn_up.weight", ffnDim, dim),
                down: try deltas(p + "ffn_down.weight", dim, ffnDim))
        }
        for a in adapters {
            if let unknown = a.deltas.keys.sorted().first(where: { !adapted.contains($0) }) {
                throw ModelError("\(a.path) adapts \(unknown), which this model has no LoRA slot for: it was trained for another model")
            }
        }
        return result
    }
}

/// A block that holds LoRA slots.
protocol AdaptableLayer {
    var lora: LayerAdapters { get set }
}
