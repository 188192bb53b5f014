import Foundation

extension ModelPlan {
    /// The plan as readable tables, one section per question (what is in it, what does it take to
    /// hold, to cache, to train, and how fast can it go).
    public func text() -> String {
        var out: [String] = []
        let m = model
        var head = "\(m.architecture) · \(m.path)"
        if let bytes = m.fileBytes { head += " · " + Self.bytes(bytes) }
        out.append(head)
        var shape = "  \(m.layers) layers, width \(m.dim), vocabulary \(m.vocabulary)"
        if let context = m.contextLength { shape += ", trained context \(context)" }
        out.append(shape)
        if m.kvHeads > 0 {
            var line = "  \(m.attention): \(m.heads) query heads, \(m.kvHeads) KV heads, head dim \(m.keyDim)"
            if m.valueDim != m.keyDim { line += " (values \(m.valueDim))" }
            if let window = m.slidingWindow, let sliding = m.slidingLayers {
                line += "; sliding window \(window) on \(sliding) of \(m.layers) layers"
            }
            out.append(line)
        } else {
            out.append("  \(m.attention): \(m.heads) heads")
        }
        if let e = m.experts {
            out.append("  experts: \(e.used) of \(e.count) routed per token" + (e.shared > 0 ? ", \(e.shared) shared" : ""))
        }
        if m.dataMissing { out.append("  note: the file's data section is incomplete; this plan reads only its header") }
        let types = m.parametersByType.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "\($0.key) \(Self.percent(Double($0.value) / Double(max(1, parameters.total))))" }
        out.append("  stored as: " + types.joined(separator: ", "))

        out.append("")
        var rows = [["parameters", "count", "share"]]
        for part in ParameterPart.allCases {
            guard let n = parameters.byPart[part.rawValue], n > 0 else { continue }
            rows.append(["  " + part.rawValue, Self.count(n), Self.percent(Double(n) / Double(max(1, parameters.total)))])
        }
        rows.append(["  total", Self.count(parameters.total), ""])
        if parameters.active != parameters.total {
            rows.append(["  active per token", Self.count(parameters.active), Self.percent(Double(parameters.active) / Double(parameters.total))])
        }
        out.append(Self.table(rows))

        out.append("")
        rows = [["weights", "bytes"]]
        for width in MemoryEstimate.Width.allCases {
            rows.append(["  \(width.rawValue) (\(String(format: "%g", width.bytesPerParameter)) B/param)", Self.bytes(memory.weights[width.rawValue] ?? 0)])
        }
        rows.append(["  as stored" + (m.fileBytes == nil ? " (checkpoint)" : " (the file's tensors)"), Self.bytes(memory.stored)])
        rows.append(["  Tern's packed form (what its kernels read)", Self.bytes(memory.tern)])
        rows.append(["  serving rule of thumb: 1.2 × stored", Self.bytes(memory.ruleOfThumb)])
        rows.append(["  Tern: packed weights + cache (batch \(batch), context \(context))", Self.bytes(memory.ternInference)])
        out.append(Self.table(rows))

        out.append("")
        if cache.stateBytesPerSequence > 0 {
            rows = [["cache", "per token", "per sequence"]]
            rows.append(["  SSM state (F32: conv + scan), any context", "0", Self.bytes(cache.stateBytesPerSequence)])
            rows.append(["  a transformer of the same width (MHA, F16), at context \(context)",
                         Self.bytes(cache.mhaBytesPerToken), Self.bytes(cache.mhaBytesAtContext)])
        } else {
            rows = [["KV cache (F16)", "per token", "at context \(context)"]]
            rows.append(["  \(cache.variant), the model's own", Self.bytes(cache.bytesPerToken), Self.bytes(cache.bytesAtContext)])
            rows.append(["  MHA of the same heads, for comparison", Self.bytes(cache.mhaBytesPerToken), Self.bytes(cache.mhaBytesAtContext)])
        }
        out.append(Self.table(rows))

        out.append("")
        out.append("training (F32 as Tern trains; \(training.tokens) tokens: batch \(batch) × context \(context))")
        rows = [["", "trainable", "weights", "gradients", "AdamW", "activations", "total"]]
        for (name, t) in [("  full fine-tuning", training.full), ("  LoRA r=\(training.loraRank), base as stored", training.lora)] {
            rows.append([name, Self.count(t.trainableParameters), Self.bytes(t.weights), Self.bytes(t.gradients),
                         Self.bytes(t.optimizer), Self.bytes(t.activations), Self.bytes(t.total)])
        }
        out.append(Self.table(rows))
        out.append("  activations as Tern keeps them (attention's log-sum-exp, the loss 128 tokens at a time); a plain")
        out.append("  implementation that keeps the probabilities and every logit needs " + Self.bytes(training.full.plainActivations))

        out.append("")
        let d = roofline.device
        out.append("roofline on \(d.name): " + String(format: "%.4g TFLOP/s ", d.peakFLOPS / 1e12) + d.precision
                   + String(format: ", %.4g GB/s, balance %.1f FLOPs/byte; batch %d, context %d", d.peakBandwidth / 1e9, roofline.balance, batch, context))
        out.append("  (\(d.source))")
        rows = [["  layer kind", "FLOPs/byte", "bound", "compute-bound from batch"]]
        for p in roofline.points {
            rows.append(["  " + p.kind, String(format: "%.3g", p.intensity), p.bound,
                         p.computeBoundFromBatch.map { String(format: "≈ %.0f", $0) } ?? "never"])
        }
        out.append(Self.table(rows))
        if d.name != "cpu" {
            out.append(String(format: "  decode at the roof: %.4g tokens/s (batch %d)", roofline.tokensPerSecond, batch))
        }

        if let p = prediction {
            let machine = p.machine, s = p.speed
            out.append("")
            out.append("Tern on this machine: \(machine.cpu), \(machine.threads) threads, \(machine.isa) kernels"
                       + (p.measuredNow ? " (measured now)" : " (measured \(machine.measuredAt))"))
            let ternary = machine.ternaryOpsPerSecond.sorted { $0.key < $1.key }.map { String(format: ", %@ %.0f", $0.key, $0.value / 1e9) }.joined()
            out.append(String(format: "  streaming read %.1f GB/s; int8 %.0f GOP/s (K-quants %.0f%@, one token %.0f); F32 %.0f GFLOP/s; %.1f µs per product",
                              machine.bandwidth / 1e9, machine.int8OpsPerSecond / 1e9, machine.kQuantOpsPerSecond / 1e9, ternary,
                              machine.int8DecodeOpsPerSecond / 1e9, machine.f32FlopsPerSecond / 1e9, machine.productSeconds * 1e6))
            let kernels = machine.decodeBandwidth.sorted { $0.key < $1.key }.map { layout, values in
                "\(layout) " + values.map { String(format: "%.0f", $0 / 1e9) }.joined(separator: "/")
            }
            if !kernels.isEmpty {
                out.append("  decode kernels stream (GB/s at rows of " + MachineProfile.decodeWidths.map(String.init).joined(separator: "/")
                           + "): " + kernels.joined(separator: ", "))
            }
            out.append("  decode at context \(s.context): \(Self.bytes(Int(s.decodeBytesPerToken))) read per token"
                       + " (cache \(Self.bytes(Int(s.decodeCacheBytesPerToken)))), \(s.decodeProducts) products")
            out.append(String(format: "    memory roofline %.1f tokens/s; Tern's kernels %.1f tokens/s (predicted)",
                              s.rooflineDecodeTokensPerSecond, s.decodeTokensPerSecond))
            out.append(String(format: "  prefill of %d tokens: %.3g GFLOP per token → %.1f tokens/s", s.prompt,
                              s.prefillFLOPsPerToken / 1e9, s.prefillTokensPerSecond))
            if let batched = s.batchedDecodeTokensPerSecond {
                out.append(String(format: "  batched decode of %d sequences: %.1f tokens/s in all", s.batch, batched))
            }
        }
        return out.joined(separator: "\n")
    }

    /// Columns padded to their widest cell; the first left-aligned, the rest right-aligned.
    static func table(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Decimal units, as `tern models` prints sizes: "253.1 MB".
    static func bytes(_ n: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var value = Double(n), unit = 0
        while abs(value) >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f ", value) + units[unit]
    }

    /// "268.1M", "1.10B", "7552".
    static func count(_ n: Int) -> String {
        switch n {
        case 1_000_000_000...: return String(format: "%.2fB", Double(n) / 1e9)
        case 1_000_000...: return String(format: "%.1fM", Double(n) / 1e6)
        case 10_000...: return String(format: "%.1fk", Double(n) / 1e3)
        default: return "\(n)"
        }
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
}
