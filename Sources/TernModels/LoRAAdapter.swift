import TernGGUF
import TernKernels

/// A LoRA adapter as inference applies it: after the base product of each adapted weight W,
/// out += scale · B·(A·x), with scale = the user's scale × alpha / r, as llama.cpp computes it.
/// Read from llama.cpp's adapter GGUF (`general.type = "adapter"`, `adapter.type = "lora"`, tensors
/// `W.lora_a` {cols, r} and `W.lora_b` {r, rows}), which is what `tern train sft` writes.
///
///     let adapter = try LoRAAdapter(path: "run/adapter.gguf")
///     let model = try ModelRegistry.load(file, threads: 2, adapters: [adapter])
public struct LoRAAdapter: Sendable {
    /// The adapter of one weight.
    public struct Delta: Sendable {
        public let rank: Int, rows: Int, cols: Int
        public let scale: Float
        package let a: [Float]  // (r, cols)
        package let b: [Float]  // (rows, r)

        /// a: (rank, cols) row-major, b: (rows, rank); `scale` multiplies the product as applied.
        public init(rank: Int, rows: Int, cols: Int, scale: Float, a: [Float], b: [Float]) {
            precondition(a.count == rank * cols && b.count == rows * rank, "LoRA delta: A and B do not match rank \(rank), \(rows) × \(cols)")
            self.rank = rank
            self.rows = rows
            self.cols = cols
            self.scale = scale
            self.a = a
            self.b = b
        }

        /// Row `o` of the merged weight: w (cols) += scale · Σ_r B[o, r]·A[r, :] (`tern export --merge`).
        public func merge(row o: Int, into w: UnsafeMutablePointer<Float>) {
            a.withUnsafeBufferPointer { a in
                for r in 0..<rank { axpy(scale * b[o * rank + r], a.baseAddress! + r * cols, w, cols) }
            }
        }

        /// out (T, rows) += scale · (x·Aᵀ)·Bᵀ for x (T, cols).
        public func apply(_ x: UnsafePointer<Float>, tokens: Int, out: UnsafeMutablePointer<Float>) {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: rank) { ax in
                        for t in 0..<tokens {
                            for r in 0..<rank { ax[r] = scale * dot(a.baseAddress! + r * cols, x + t * cols, cols) }
                            for o in 0..<rows { out[t * rows + o] += dot(b.baseAddress! + o * rank, ax.baseAddress!, rank) }
                        }
                    }
                }
            }
        }
    }

    public let path: String
    public let architecture: String
    /// `adapter.lora.alpha` (0 when the file sets none: the products are then scaled by the user's scale alone).
    public let alpha: Float
    /// By the name of the weight adapted, e.g. "blk.0.attn_q.weight".
    public let deltas: [String: Delta]

    /// An adapter held in memory (a training run's current weights, applied without a file);
    /// `path` names it in error messages.
    public init(architecture: String, alpha: Float, deltas: [String: Delta], path: String) {
        self.path = path
        self.architecture = architecture
        self.alpha = alpha
        self.deltas = deltas
    }

    /// Reads the adapter file at `path`.
    public init(path: String, scale: Float = 1) throws {
        try self.init(file: GGUFFile(path: path), path: path, scale: scale)
    }

    public init(file: GGUFFile, path: String, scale: Float = 1) throws {
        self.path = path
        func fail(_ why: String) -> ModelError { ModelError("\(path) is not a usable LoRA adapter: \(why)") }
        guard file.metadata["general.type"]?.string == "adapter", file.metadata["adapter.type"]?.string == "lora" else {
            throw fail("it lacks general.type = adapter and adapter.type = lora (a model file, or another kind of adapter?)")
        }
        architecture = file.architecture ?? ""
        let alpha = file.metadata["adapter.lora.alpha"]?.float ?? 0
        self.alpha = alpha
        var deltas: [String: Delta] = [:]
        for t in file.tensors where t.name.hasSuffix(".lora_a") {
            let weight = String(t.name.dropLast(".lora_a".count))
            guard let b = file.tensor(named: weight + ".lora_b") else { throw fail("\(t.name) has no matching .lora_b") }
            guard t.shape.count == 2, b.shape.count == 2, t.shape[1] == b.shape[0] else {
                throw fail("\(weight): lora_a \(t.shape) and lora_b \(b.shape) do not share a rank")
            }
            let cols = t.shape[0], rank = t.shape[1], rows = b.shape[1]
            func floats(_ info: GGUFTensorInfo, rows: Int, cols: Int) throws -> [Float] {
                guard info.type.rowBytes(cols) != nil else { throw fail("\(info.name) is \(info.type), which cannot be read as rows") }
                let m = QuantMatrix(type: info.type, rows: rows, cols: cols, data: file.data(for: info))
                var out = [Float](repeating: 0, count: rows * cols)
                out.withUnsafeMutableBufferPointer { o in for r in 0..<rows { m.dequantize(row: r, into: o.baseAddress! + r * cols) } }
                return out
            }
            // llama.cpp: the product is scaled by alpha / rank when alpha is set, else by the user's scale alone.
            let s = alpha != 0 ? scale * alpha / Float(rank) : scale
            deltas[weight] = Delta(rank: rank, rows: rows, cols: cols, scale: s,
                                   a: try floats(t, rows: rank, cols: cols), b: try floats(b, rows: rows, cols: rank))
        }
        guard !deltas.isEmpty else { throw fail("it has no .lora_a/.lora_b tensors") }
        self.deltas = deltas
    }

    /// The deltas of `weight` (rows, cols) across `adapters`, each checked against the weight's shape.
    static func deltas(_ adapters: [LoRAAdapter], weight: String, rows: Int, cols: Int) throws -> [Delta] {
        try adapters.compactMap { adapter in
            guard let d = adapter.deltas[weight] else { return nil }
            guard d.rows == rows, d.cols == cols else {
                throw ModelError("\(adapter.path): the adapter of \(weight) is \(d.rows) × \(d.cols), the model's weight is \(rows) × \(cols): it was trained for another model")
            }
            return d
        }
    }
}
