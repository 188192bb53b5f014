import TernCKernels
import TernGGUF
import TernKernels
import TernModels

/// Model files with new weights: LoRA adapters folded in (`tern export --merge`: each adapted
/// weight becomes W + Σ scale·B·A) or the weights of a full fine-tuning run. Changed matrices are
/// stored as Q8_0 (or F32), changed vectors (norms) as F32; every other tensor and all metadata are
/// copied as they are, so the file runs anywhere the base did, llama.cpp included.
///
///     try AdapterMerge.write(base: GGUFFile(path: base), adapters: [adapter], type: .q8_0, to: "merged.gguf")
///     try AdapterMerge.write(base: GGUFFile(path: base), parameters: trainer.parameters, type: .q8_0, to: "model.gguf")
public enum AdapterMerge {
    /// Row `r` of a changed tensor, written into a buffer of `cols` floats.
    public typealias Rows = (_ r: Int, _ row: UnsafeMutablePointer<Float>) -> Void

    public static func write(base: GGUFFile, adapters: [LoRAAdapter], type: GGMLType, to path: String) throws {
        var rows: [String: Rows] = [:]
        for a in adapters {
            for (name, d) in a.deltas {
                guard let t = base.tensor(named: name), t.shape == [d.cols, d.rows] else {
                    throw TrainingError("\(a.path) adapts \(name) as \(d.rows) × \(d.cols), which the model does not have: it was trained for another model")
                }
                let m = QuantMatrix(type: t.type, rows: d.rows, cols: d.cols, data: base.data(for: t))
                let deltas = adapters.compactMap { $0.deltas[name] }
                rows[name] = { r, row in
                    m.dequantize(row: r, into: row)
                    for d in deltas { d.merge(row: r, into: row) }
                }
            }
        }
        try write(base: base, replacing: rows, type: type, to: path)
    }

    /// The base file with every tensor named by a parameter replaced by the parameter's values.
    public static func write(base: GGUFFile, parameters: [Parameter], type: GGMLType, to path: String) throws {
        var rows: [String: Rows] = [:]
        for p in parameters {
            guard let t = base.tensor(named: p.name), t.elementCount == p.count else {
                throw TrainingError("\(p.name) (\(p.count) weights) is not a tensor of the base model")
            }
            let cols = t.shape[0]
            rows[p.name] = { r, row in row.update(from: p.value + r * cols, count: cols) }
        }
        try write(base: base, replacing: rows, type: type, to: path)
    }

    static func write(base: GGUFFile, replacing rows: [String: Rows], type: GGMLType, to path: String) throws {
        guard type == .q8_0 || type == .f32 else { throw TrainingError("new weights can be q8_0 or f32, not \(type)") }
        var w = GGUFWriter(alignment: base.alignment)
        for key in base.metadataKeys where key != "general.alignment" { w.add(key, base.metadata[key]!) }
        for t in base.tensors {
            guard let fill = rows[t.name] else {
                w.addTensor(name: t.name, shape: t.shape, type: t.type, data: Array(UnsafeRawBufferPointer(start: base.data(for: t), count: t.byteCount)))
                continue
            }
            let cols = t.shape[0], count = t.elementCount / max(1, cols)
            // Vectors (norm weights) stay F32, as the model files require; matrices take `type`.
            let out = t.shape.count == 1 || type == .f32 ? GGMLType.f32 : type
            let rowBytes = out.rowBytes(cols) ?? 0
            var data = [UInt8](repeating: 0, count: count * rowBytes)
            var row = [Float](repeating: 0, count: cols)
            data.withUnsafeMutableBytes { bytes in
                row.withUnsafeMutableBufferPointer { row in
                    for r in 0..<count {
                        fill(r, row.baseAddress!)
                        let dst = bytes.baseAddress! + r * rowBytes
                        if out == .f32 { dst.copyMemory(from: row.baseAddress!, byteCount: cols * 4) }
                        else { tern_quantize_activations(Int32(GGMLType.q8_0.rawValue), row.baseAddress!, dst, Int64(cols)) }
                    }
                }
            }
            w.addTensor(name: t.name, shape: t.shape, type: out, data: data)
        }
        do {
            try w.write(to: path)
        } catch {
            throw TrainingError("cannot write \(path) (\(error)): check the folder and the free space")
        }
    }
}
