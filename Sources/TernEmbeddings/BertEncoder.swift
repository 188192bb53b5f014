import TernCKernels
import TernKernels

/// A BERT encoder (Devlin et al., 2019) over float weights: token, position and token-type
/// embeddings, then post-LayerNorm blocks of bidirectional multi-head attention and a GELU
/// feed-forward layer. Several sequences run as one batch: every projection takes all their
/// tokens at once, and attention stays within each sequence. The projections, attention and
/// norms are the engine's kernels (TernKernels, TernCKernels).
///
///     let encoder = try BertEncoder(weights: file, config: config, threads: 2)
///     let h = encoder.hiddenStates([[101, 7592, 102]])   // 3 × 384 floats
public final class BertEncoder: @unchecked Sendable {  // weights are read-only; one forward pass at a time
    public let config: BertConfig
    let pool: ThreadPool

    struct Linear { let w: QuantMatrix, bias: UnsafeMutablePointer<Float> }
    struct Norm { let weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float> }
    struct Layer { let q, k, v, o, up, down: Linear; let attentionNorm, outputNorm: Norm }

    private var owned: [UnsafeMutablePointer<Float>] = []
    private var words: UnsafeMutablePointer<Float>!, positions: UnsafeMutablePointer<Float>!, types: UnsafeMutablePointer<Float>!
    private var embeddingNorm: Norm!
    private var blocks: [Layer] = []

    /// Reads the weights of `config`'s shape from `weights` (names as Hugging Face's BertModel
    /// writes them, with or without a "bert." prefix).
    public init(weights: SafeTensorsFile, config: BertConfig, threads: Int) throws(EmbeddingError) {
        self.config = config
        pool = ThreadPool(threads: threads)
        let prefix = weights.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        let H = config.hiddenSize, I = config.intermediateSize
        func load(_ name: String, _ shape: [Int]) throws(EmbeddingError) -> UnsafeMutablePointer<Float> {
            let values = try weights.floats(prefix + name, shape: shape)
            let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
            p.initialize(from: values, count: values.count)
            owned.append(p)
            return p
        }
        func linear(_ name: String, out: Int, in n: Int) throws(EmbeddingError) -> Linear {
            Linear(w: QuantMatrix(type: .f32, rows: out, cols: n, data: try load(name + ".weight", [out, n])).packed(),
                   bias: try load(name + ".bias", [out]))
        }
        func norm(_ name: String) throws(EmbeddingError) -> Norm {
            Norm(weight: try load(name + ".weight", [H]), bias: try load(name + ".bias", [H]))
        }
        words = try load("embeddings.word_embeddings.weight", [config.vocabularySize, H])
        positions = try load("embeddings.position_embeddings.weight", [config.maxPositions, H])
        types = try load("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, H])
        embeddingNorm = try norm("embeddings.LayerNorm")
        for l in 0..<config.layers {
            let p = "encoder.layer.\(l)."
            blocks.append(Layer(
                q: try linear(p + "attention.self.query", out: H, in: H), k: try linear(p + "attention.self.key", out: H, in: H),
                v: try linear(p + "attention.self.value", out: H, in: H), o: try linear(p + "attention.output.dense", out: H, in: H),
                up: try linear(p + "intermediate.dense", out: I, in: H), down: try linear(p + "output.dense", out: H, in: I),
                attentionNorm: try norm(p + "attention.output.LayerNorm"), outputNorm: try norm(p + "output.LayerNorm")))
        }
    }

    deinit { for p in owned { p.deallocate() } }

    /// The last layer's hidden states of every token of every sequence, one after another:
    /// (Σ lengths, hidden). Token ids must be below the vocabulary size and each sequence at most
    /// `maxPositions` long (the caller's tokenizer and truncation see to both).
    public func hiddenStates(_ sequences: [[Int]]) -> [Float] {
        let H = config.hiddenSize, I = config.intermediateSize, D = config.headDim, heads = config.heads
        let T = sequences.reduce(0) { $0 + $1.count }
        guard T > 0 else { return [] }
        // The sequence (start, end) each token attends within.
        var span: [(Int, Int)] = []
        for s in sequences { let start = span.count; span += Array(repeating: (start, start + s.count), count: s.count) }

        var x = [Float](repeating: 0, count: T * H)
        let buffers = UnsafeMutablePointer<Float>.allocate(capacity: T * (4 * H + I))
        defer { buffers.deallocate() }
        let q = buffers, k = q + T * H, v = k + T * H, a = v + T * H, ff = a + T * H
        let scratch = ActivationBuffer(tokens: T, cols: max(H, I))
        x.withUnsafeMutableBufferPointer { xb in
            let x = xb.baseAddress!
            var t = 0
            for s in sequences {
                for (p, id) in s.enumerated() {
                    let row = x + t * H, w = words + id * H, pos = positions + p * H
                    for c in 0..<H { row[c] = w[c] + pos[c] + types[c] }
                    layerNorm(row, weight: embeddingNorm.weight, bias: embeddingNorm.bias, eps: config.eps, out: row, dim: H)
                    t += 1
                }
            }
            let scale = 1 / Float(D).squareRoot()
            for layer in blocks {
                project(layer.q, x, q, T, scratch, scale: scale)
                project(layer.k, x, k, T, scratch)
                project(layer.v, x, v, T, scratch)
                span.withUnsafeBufferPointer { span in
                    pool.parallelFor(T * heads) { jobs in
                        for job in jobs {
                            let t = job / heads, h = job % heads, (lo, hi) = span[t]
                            tern_attend_f32(q + t * H + h * D, 1, k + h * D, v + h * D, k + h * D, v + h * D, 0, Int64(H),
                                            Int64(lo), Int64(hi - 1), Int64(D), nil, a + t * H + h * D)
                        }
                    }
                }
                project(layer.o, a, q, T, scratch)
                addAndNorm(x, q, layer.attentionNorm, T)
                project(layer.up, x, ff, T, scratch)
                pool.parallelFor(T) { rows in geluErf(ff + rows.lowerBound * I, rows.count * I) }
                project(layer.down, ff, q, T, scratch)
                addAndNorm(x, q, layer.outputNorm, T)
            }
        }
        return x
    }

    /// out = (x · Wᵀ + bias) · scale for T rows; the bias rows are added across the pool.
    private func project(_ l: Linear, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ T: Int, _ scratch: ActivationBuffer,
                         scale: Float = 1) {
        matmul(l.w, x, out, tokens: T, pool: pool, scratch: scratch)
        let n = l.w.rows, bias = l.bias
        pool.parallelFor(T) { rows in
            for t in rows {
                let o = out + t * n
                if scale == 1 { for i in 0..<n { o[i] += bias[i] } } else { for i in 0..<n { o[i] = (o[i] + bias[i]) * scale } }
            }
        }
    }

    /// x = LayerNorm(x + y), row by row across the pool.
    private func addAndNorm(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ norm: Norm, _ T: Int) {
        let H = config.hiddenSize, eps = config.eps
        pool.parallelFor(T) { rows in
            for t in rows {
                let row = x + t * H, add = y + t * H
                for i in 0..<H { row[i] += add[i] }
                layerNorm(row, weight: norm.weight, bias: norm.bias, eps: eps, out: row, dim: H)
            }
        }
    }
}
