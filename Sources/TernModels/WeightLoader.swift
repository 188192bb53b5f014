import TernGGUF
import TernKernels

/// Typed, shape-checked access to a GGUF file's tensors and metadata, used by the architecture
/// files while they build their weights. Every failure is a `ModelError` naming the tensor or key.
struct WeightLoader {
    let file: GGUFFile
    let prefix: String  // architecture name, e.g. "gemma3", for "<prefix>.<key>" metadata

    /// Matrix stored as [cols, rows] in ggml order, packed for fast products when its type allows
    /// (`QuantMatrix.packed`); the mapped original is released as it is copied.
    func matrix(_ name: String, rows: Int, cols: Int) throws -> QuantMatrix {
        guard let t = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
        guard t.shape == [cols, rows] else { throw ModelError.badShape(name, t.shape, expected: [cols, rows]) }
        let m = QuantMatrix(type: t.type, rows: rows, cols: cols, data: file.data(for: t))
        return m.packed { start, count in file.releasePages(start, count: count) }  // products read only the copy
    }

    /// A fused matrix (GPT-2's, Falcon's and Bloom's `attn_qkv`) as its row blocks: `parts` rows
    /// each, in order, viewed in place and packed like `matrix`.
    func matrices(_ name: String, parts: [Int], cols: Int) throws -> [QuantMatrix] {
        guard let t = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
        let rows = parts.reduce(0, +)
        guard t.shape == [cols, rows] else { throw ModelError.badShape(name, t.shape, expected: [cols, rows]) }
        let whole = QuantMatrix(type: t.type, rows: rows, cols: cols, data: file.data(for: t))
        var start = 0
        return parts.map { n in
            defer { start += n }
            return QuantMatrix(type: t.type, rows: n, cols: cols, data: whole.row(start))
                .packed { start, count in file.releasePages(start, count: count) }
        }
    }

    /// A fused F32 vector as its parts (pointers into the file).
    func vectors(_ name: String, parts: [Int]) throws -> [UnsafePointer<Float>] {
        let whole = try vector(name, count: parts.reduce(0, +))
        var start = 0
        return parts.map { n in defer { start += n }; return whole + start }
    }

    /// The vocabulary size: the rows of `token_embd.weight`, checked to be `dim` wide.
    func vocabularySize(dim: Int) throws -> Int {
        guard let t = file.tensor(named: "token_embd.weight") else { throw ModelError.missingTensor("token_embd.weight") }
        guard t.shape.count == 2, t.shape[0] == dim else { throw ModelError.badShape("token_embd.weight", t.shape, expected: [dim, -1]) }
        return t.shape[1]
    }

    /// `output.weight`, or `embedding` when the file ties the output projection to the embedding.
    func output(tiedTo embedding: QuantMatrix) throws -> QuantMatrix {
        file.tensor(named: "output.weight") == nil ? embedding : try matrix("output.weight", rows: embedding.rows, cols: embedding.cols)
    }

    /// A small F32 tensor stored as [cols, rows] (ggml order), read in place as rows × cols floats.
    func matrixFloats(_ name: String, rows: Int, cols: Int) throws -> UnsafePointer<Float> {
        guard let t = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
        // dimensions of 1 may be left out of the file's shape ([C, 1] stored as [C]; [1, H] as [H])
        guard t.shape.filter({ $0 != 1 }) == [cols, rows].filter({ $0 != 1 }) else { throw ModelError.badShape(name, t.shape, expected: [cols, rows]) }
        guard t.type == .f32 else { throw ModelError("tensor '\(name)' is \(t.type), expected F32") }
        return file.data(for: t).assumingMemoryBound(to: Float.self)
    }

    /// F32 vector of `count` elements.
    func vector(_ name: String, count: Int) throws -> UnsafePointer<Float> {
        guard let t = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
        guard t.shape == [count] else { throw ModelError.badShape(name, t.shape, expected: [count]) }
        guard t.type == .f32 else {
            throw ModelError("tensor '\(name)' is \(t.type), expected F32: norm weights must be stored as F32")
        }
        return file.data(for: t).assumingMemoryBound(to: Float.self)
    }

    func int(_ key: String) throws -> Int {
        guard let v = file.metadata["\(prefix).\(key)"]?.int else { throw ModelError.missingKey("\(prefix).\(key)") }
        guard v > 0 else { throw ModelError("model metadata '\(prefix).\(key)' is \(v), expected a positive number") }
        return v
    }

    func float(_ key: String) throws -> Float {
        guard let v = file.metadata["\(prefix).\(key)"]?.float else { throw ModelError.missingKey("\(prefix).\(key)") }
        return v
    }

    func optionalFloat(_ key: String) -> Float? { file.metadata["\(prefix).\(key)"]?.float }
    func optionalInt(_ key: String) -> Int? { file.metadata["\(prefix).\(key)"]?.int }
}
