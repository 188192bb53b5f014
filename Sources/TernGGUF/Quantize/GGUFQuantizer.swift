import TernKernels

/// Re-quantizes a GGUF file the way llama-quantize does (`QuantizationRecipe` picks each tensor's
/// type, quantize.c reproduces ggml's arithmetic), so Q8_0 and Q4_0 output, and the K-quant
/// mixes too, come out byte for byte as llama-quantize writes them from the same input.
///
///     let quantizer = try GGUFQuantizer(path: "model-f16.gguf", preset: .q4_K_M)
///     try quantizer.write(to: "model-Q4_K_M.gguf", pool: ThreadPool(threads: 2)) { done, total in … }
///
/// The metadata is copied in order, with `general.quantization_version` and `general.file_type`
/// moved to the end (as gguf.cpp's setters do). Tensors are converted a slice of rows at a time
/// and streamed to a temporary file that is renamed into place only when complete.
public struct GGUFQuantizer {
    public let recipe: QuantizationRecipe
    private let file: GGUFFile
    private let path: String

    /// Rows converted at once: bounds the float copy of a tensor to 64 MB.
    private static let sliceFloats = 1 << 24

    public init(path: String, preset: QuantizationPreset) throws(GGUFError) {
        file = try GGUFFile(path: path)
        self.path = path
        recipe = try QuantizationRecipe(file: file, preset: preset, path: path)
    }

    /// Tensors stored quantized in the input that the preset re-quantizes to another type: each
    /// adds its own rounding error to the first one (llama-quantize refuses these by default).
    public var requantized: [String] {
        recipe.entries.filter { $0.tensor.type != $0.type && !$0.tensor.type.isFloat }.map(\.tensor.name)
    }

    /// Bytes of the tensor data written, for sizing and progress.
    public var outputBytes: Int {
        recipe.entries.reduce(0) { $0 + Self.bytes($1) }
    }

    /// Writes the quantized model to `out`; `progress(done, total)` counts input bytes.
    public func write(to out: String, pool: ThreadPool? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws {
        var writer = GGUFWriter(version: 3, alignment: file.alignment)
        for key in file.metadataKeys { if let value = file.metadata[key] { writer.add(key, value) } }
        for key in ["general.quantization_version", "general.file_type", "split.no", "split.count", "split.tensors.count"] {
            writer.remove(key)
        }
        writer.add("general.quantization_version", .uint32(2))
        writer.add("general.file_type", .uint32(recipe.preset.fileType))

        let entries = recipe.entries.map {
            GGUFWriter.TensorEntry(name: $0.tensor.name, shape: Self.trimmed($0.tensor.shape), type: $0.type, byteCount: Self.bytes($0))
        }
        let total = recipe.entries.reduce(0) { $0 + $1.tensor.byteCount }
        var done = 0
        try writer.write(to: out, streaming: entries) { index, emit in
            let entry = recipe.entries[index]
            try convert(entry, pool: pool, emit: emit)
            file.releasePages(file.data(for: entry.tensor), count: entry.tensor.byteCount)  // read once: keep RSS flat
            done += entry.tensor.byteCount
            progress(done, total)
        }
    }

    /// Streams one tensor in its target type: its bytes as they are when the type does not change,
    /// otherwise slices of rows through floats.
    private func convert(_ entry: QuantizationRecipe.Entry, pool: ThreadPool?,
                         emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let source = file.data(for: entry.tensor), info = entry.tensor
        if entry.type == info.type {
            try emit(UnsafeRawBufferPointer(start: source, count: info.byteCount))
            return
        }
        let cols = info.shape.first ?? 1, rows = info.elementCount / max(cols, 1)
        guard let inRow = info.type.rowBytes(cols), let outRow = entry.type.rowBytes(cols) else {
            throw GGUFError(.invalidValue, field: "tensor '\(info.name)': \(cols) columns are not whole blocks", offset: 0, path: path)
        }
        let sliceRows = max(1, Self.sliceFloats / max(cols, 1))
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: sliceRows * cols)
        let output = UnsafeMutableRawPointer.allocate(byteCount: sliceRows * outRow, alignment: 64)
        defer { floats.deallocate(); output.deallocate() }
        for r0 in stride(from: 0, to: rows, by: sliceRows) {
            let n = min(sliceRows, rows - r0)
            for r in 0..<n { dequantizeRowReference(info.type, source + (r0 + r) * inRow, floats + r * cols, count: cols) }
            if entry.type == .f16 {
                let halves = output.assumingMemoryBound(to: UInt16.self)
                for i in 0..<n * cols { halves[i] = floatToHalf(floats[i]) }
            } else {
                quantizeRows(floats, rows: n, cols: cols, to: entry.type, into: output, pool: pool)
            }
            try emit(UnsafeRawBufferPointer(start: output, count: n * outRow))
        }
    }

    private static func bytes(_ entry: QuantizationRecipe.Entry) -> Int {
        let cols = entry.tensor.shape.first ?? 1
        return (entry.type.rowBytes(cols) ?? 0) * (entry.tensor.elementCount / max(cols, 1))
    }

    /// The shape without trailing dimensions of 1 (ggml_n_dims, what gguf.cpp writes), at least one.
    private static func trimmed(_ shape: [Int]) -> [Int] {
        var shape = shape
        while shape.count > 1 && shape.last == 1 { shape.removeLast() }
        return shape
    }
}

extension GGMLType {
    /// F32, F16 and BF16: types whose values are stored, not quantized.
    public var isFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }
}
