import Foundation
import TernCKernels
import TernKernels

extension MachineProbe {
    /// What one-token products attain streaming from memory, measured in rounds whose medians are
    /// kept (a decode runs through the machine's swings in bandwidth, so the typical round
    /// predicts it better than the best).
    ///
    /// - Bandwidth: for each packed layout (Q8_0's, shared by Q4_0 and Q5_0; the K-quants', with
    ///   Q4_K; F32's; TQ1_0's and TQ2_0's rows as stored) a matrix of `bytes` at rows of each of `MachineProfile.decodeWidths`,
    ///   multiplied by one token: packed bytes over the time per product.
    /// - Fixed cost per product: chains of distinct packed Q8_0 matrices of 256 and of 8192 rows
    ///   (× 1024), `bytes` each, timed per product; the line through (bytes, seconds) of the two
    ///   has the fixed cost as its intercept.
    static func decodeRates(pool: ThreadPool, bytes: Int, rounds: Int = 5) -> (bandwidth: [String: [Double]], productSeconds: Double) {
        var bandwidth: [String: [Double]] = [:]
        for (layout, type) in [("q8_0", GGMLType.q8_0), ("k", .q4_K), ("f32", .f32), ("tq1_0", .tq1_0), ("tq2_0", .tq2_0)] {
            // One raw buffer serves every width: blocks tile the rows, so any row length that is
            // a whole number of blocks views the same bytes.
            let raw = randomBlocks(type, rows: 1, cols: bytes / type.blockBytes * type.blockSize)
            bandwidth[layout] = raw.withUnsafeBytes { data in
                let matrices = MachineProfile.decodeWidths.map { width -> (QuantMatrix, Double) in
                    // Rows shorter than a block (128 elements of a 256-element layout) do not
                    // exist in a model; the shortest row the layout can hold stands in for them.
                    let cols = max(width, type.blockSize)
                    let rows = max(16, bytes / type.rowBytes(cols)! / 16 * 16)
                    let w = QuantMatrix(type: type, rows: rows, cols: cols, data: data.baseAddress!).packed()
                    return (w, Double(packedBytes(type, rows: rows, cols: cols)))
                }
                var samples = [[Double]](repeating: [], count: matrices.count)
                for _ in 0..<rounds {
                    for (i, (w, packed)) in matrices.enumerated() {
                        samples[i].append(timeProducts(w, tokens: 1, pool: pool, minimumSeconds: 0.04, runs: 1)
                                          / (2 * Double(w.rows * w.cols)) * packed)
                    }
                }
                return samples.map(median)
            }
        }
        return (bandwidth, productOverhead(pool: pool, bytes: bytes, rounds: rounds))
    }

    /// The fixed seconds of a one-token product (see `decodeRates`).
    static func productOverhead(pool: ThreadPool, bytes: Int, rounds: Int) -> Double {
        let cols = 1024, sizes = [256, 8192]
        let raw = randomBlocks(.q8_0, rows: sizes[1], cols: cols)
        return raw.withUnsafeBytes { data in
            let chains = sizes.map { rows in
                (0..<max(2, bytes / packedBytes(.q8_0, rows: rows, cols: cols))).map { _ in
                    QuantMatrix(type: .q8_0, rows: rows, cols: cols, data: data.baseAddress!).packed()
                }
            }
            let x = (0..<cols).map { Float($0 % 17) / 17 }
            var out = [Float](repeating: 0, count: sizes[1])
            let scratch = ActivationBuffer(tokens: 1, cols: cols)
            var intercepts: [Double] = []
            x.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { out in
                    func pass(_ chain: [QuantMatrix]) -> Double {
                        let start = DispatchTime.now().uptimeNanoseconds
                        for w in chain { matmul(w, x.baseAddress!, out.baseAddress!, tokens: 1, pool: pool, scratch: scratch) }
                        return seconds(since: start) / Double(chain.count)
                    }
                    _ = chains.map(pass)  // warm-up
                    let small = Double(packedBytes(.q8_0, rows: sizes[0], cols: cols))
                    let large = Double(packedBytes(.q8_0, rows: sizes[1], cols: cols))
                    for _ in 0..<rounds {
                        let t = chains.map(pass)
                        let perByte = (t[1] - t[0]) / (large - small)
                        intercepts.append(t[0] - perByte * small)
                    }
                }
            }
            return max(0, median(intercepts))
        }
    }

    /// Bytes of `type`'s packed form of a rows × cols matrix (F32: panels of 16 rows; a type
    /// without a packed form: as stored).
    static func packedBytes(_ type: GGMLType, rows: Int, cols: Int) -> Int {
        if type == .f32 { return (rows + 15) / 16 * 16 * cols * 4 }
        let packed = Int(tern_packed_bytes(Int32(type.rawValue), Int64(rows), Int64(cols)))
        return packed > 0 ? packed : rows * type.rowBytes(cols)!
    }

    private static func median(_ xs: [Double]) -> Double {
        let sorted = xs.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
