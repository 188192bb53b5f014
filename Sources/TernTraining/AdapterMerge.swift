import TernCKernels
import TernGGUF
import TernKernels
import TernModels

/// A model with LoRA adapters folded into its weights (`tern export --merge`): each adapted weight
/// becomes W + Σ scale·B·A, stored as Q8_0 (or F32); every other tensor and all metadata are copied
/// as they are, so the file runs anywhere the base did, llama.cpp included, with no adapter.
///
///     try AdapterMerge.write(base: GGUFFile(path: base), adapters: [adapter], type: .q8_0, to: "merged.gguf")
public enum AdapterMerge {
    public static func write(base: GGUFFile, adapters: [LoRAAdapter], type: GGMLType, to path: String) throws {
        guard type == .q8_0 || type == .f32 else { throw TrainingError("merged weights can be q8_0 or f32, not \(type)") }
        var names = Set<String>()
        for a in adapters {
            for (name, d) in a.deltas {
                guard let t = base.tensor(named: name), t.shape == [d.cols, d.rows] else {
                    throw TrainingError("\(a.path) adapts \(name) as \(d.rows) × \(d.cols), which the model does not have: it was trained for another model")
                }
                names.insert(name)
            }
        }
        var w = GGUFWriter(alignment: base.alignment)
        for key in base.metadataKeys where key != "general.alignment" { w.add(key, base.metadata[key]!) }
        for t in base.tensors {
            let bytes = UnsafeRawBufferPointer(start: base.data(for: t), count: t.byteCount)
            guard names.contains(t.name) else {
                w.addTensor(name: t.name, shape: t.shape, type: t.type, data: Array(bytes))
                continue
            }
            let cols = t.shape[0], rows = t.shape[1]
            let m = QuantMatrix(type: t.type, rows: rows, cols: cols, data: base.data(for: t))
            let deltas = adapters.compactMap { $0.deltas[t.name] }
            var row = [Float](repeating: 0, count: cols)
            var out: [UInt8] = []
            let rowBytes = type.rowBytes(cols) ?? 0
            out.reserveCapacity(rows * rowBytes)
            var packed = [UInt8](repeating: 0, count: rowBytes)
            for r in 0..<rows {
                row.withUnsafeMutableBufferPointer { row in
                    m.dequantize(row: r, into: row.baseAddress!)
                    for d in deltas { d.merge(row: r, into: row.baseAddress!) }
                }
                if type == .f32 {
                    for v in row { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
                } else {
                    packed.withUnsafeMutableBytes { tern_quantize_activations(Int32(GGMLType.q8_0.rawValue), row, $0.baseAddress!, Int64(cols)) }
                    out.append(contentsOf: packed)
                }
            }
            w.addTensor(name: t.name, shape: t.shape, type: type, data: out)
        }
        do {
            try w.write(to: path)
        } catch {
            throw TrainingError("cannot write \(path) (\(error)): check the folder and the free space")
        }
    }
}
