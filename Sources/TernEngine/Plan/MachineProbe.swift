import Foundation
import TernCKernels
import TernKernels

/// This machine's memory bandwidth and compute, measured once with Tern's own thread pool and
/// kernels and kept in a small JSON file in Tern's cache folder (`MachineProfile`): the "device"
/// `tern plan` predicts CPU speed on. Every rate is the best of several runs, since interference
/// from other work (on a shared or virtual machine the memory bandwidth alone varies by tens of
/// percent from second to second) only ever slows a run down.
///
/// - Bandwidth: every thread streams its share of a buffer much larger than the caches (1 GiB),
///   summing 64-byte vectors.
/// - int8: `matmul` of a packed Q8_0 matrix that fits the caches (512 × 1024, 590 kB) by 64
///   tokens — the kernel prefill runs; and of a larger one (2048 × 2048, 4.7 MB, so a call
///   outweighs the thread handoffs) by one token.
/// - F32: `matmul` of a packed F32 matrix (256 × 512) by 64 tokens.
/// - Decode kernels: the one-token `matmul` of packed Q8_0, Q4_K and F32 matrices of about
///   128 MB (four times the last-level cache here), at rows of 512, 2048 and 8192: the bandwidth
///   decode actually streams weights at, which the plain read above bounds.
/// - Dispatch: an empty `parallelFor` over every thread, the cost each product pays to start.
///
///     let profile = try MachineProbe.profile(home: ModelStore().home, threads: 2)
///     profile.bandwidth            // e.g. 5.4e10
public enum MachineProbe {
    /// Measures now (about ten seconds with the default sizes).
    public static func measure(threads: Int, bufferBytes: Int = 1 << 30, kernelBytes: Int = 128 << 20) -> MachineProfile {
        let pool = ThreadPool(threads: threads)
        var decode: [String: [Double]] = [:]
        for (layout, type) in [("q8_0", GGMLType.q8_0), ("k", .q4_K), ("f32", .f32)] {
            decode[layout] = MachineProfile.decodeWidths.map { cols in
                let rowBytes = type == .f32 ? 4 * cols : Int(tern_packed_bytes(Int32(type.rawValue), 8, Int64(cols))) / 8
                return kernelBandwidth(pool: pool, type: type, rows: max(16, kernelBytes / rowBytes / 16 * 16), cols: cols)
            }
        }
        return MachineProfile(
            cpu: cpuName(), isa: String(cString: tern_kernel_isa()), threads: pool.threads,
            bandwidth: bandwidth(pool: pool, bytes: bufferBytes),
            int8OpsPerSecond: quantizedThroughput(pool: pool, rows: 512, cols: 1024, tokens: 64),
            int8DecodeOpsPerSecond: quantizedThroughput(pool: pool, rows: 2048, cols: 2048, tokens: 1),
            f32FlopsPerSecond: floatThroughput(pool: pool), decodeBandwidth: decode,
            dispatchSeconds: dispatch(pool: pool), measuredAt: ISO8601DateFormatter().string(from: Date()))
    }

    /// The profile cached in `home`/machine.json when it was measured on this CPU, kernel set and
    /// thread count; otherwise (or when `remeasure`) measured and cached. `measured` tells which.
    /// `bufferBytes` and `kernelBytes` size the measurements (tests make them small).
    public static func profile(home: String, threads: Int, remeasure: Bool = false, bufferBytes: Int = 1 << 30,
                               kernelBytes: Int = 128 << 20) throws -> (profile: MachineProfile, measured: Bool) {
        let path = home + "/machine.json"
        if !remeasure, let data = FileManager.default.contents(atPath: path),
           let cached = try? JSONDecoder().decode(MachineProfile.self, from: data),
           cached.version == MachineProfile.currentVersion, cached.threads == max(1, threads),
           cached.cpu == cpuName(), cached.isa == String(cString: tern_kernel_isa()) {
            return (cached, false)
        }
        let profile = measure(threads: threads, bufferBytes: bufferBytes, kernelBytes: kernelBytes)
        do {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            // Written whole then renamed, so a concurrent reader sees the old file or the new one.
            try encoder.encode(profile).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PlanError("cannot write \(path) (\(error.localizedDescription)): set TERN_HOME to a writable folder")
        }
        return (profile, true)
    }

    /// Streaming-read bandwidth in bytes/s: each thread sums a contiguous share of `bytes`.
    static func bandwidth(pool: ThreadPool, bytes: Int, passes: Int = 10) -> Double {
        let block = 1 << 16, blocks = max(1, bytes / block)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: blocks * block, alignment: 64)
        let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: blocks)
        defer { buffer.deallocate(); sink.deallocate() }
        // Written by the threads that will read it, so every page exists before timing.
        pool.parallelFor(blocks) { range in
            for b in range { memset(buffer + b * block, Int32(b & 0x7F), block) }
        }
        var best = 0.0
        for _ in 0..<passes {
            let start = DispatchTime.now().uptimeNanoseconds
            pool.parallelFor(blocks) { range in
                let vectors = (buffer + range.lowerBound * block).assumingMemoryBound(to: SIMD8<UInt64>.self)
                let count = range.count * block / 64
                var a0 = SIMD8<UInt64>(), a1 = a0, a2 = a0, a3 = a0
                var i = 0
                while i < count {  // count is a multiple of 4 (blocks are 1024 vectors)
                    a0 &+= vectors[i]; a1 &+= vectors[i + 1]; a2 &+= vectors[i + 2]; a3 &+= vectors[i + 3]
                    i += 4
                }
                sink[range.lowerBound] = ((a0 &+ a1) &+ (a2 &+ a3)).wrappedSum()
            }
            best = max(best, Double(blocks * block) / seconds(since: start))
        }
        return best
    }

    /// Integer operations/s of the packed Q8_0 `matmul` (activations quantized to Q8_0 included).
    static func quantizedThroughput(pool: ThreadPool, rows: Int, cols: Int, tokens: Int) -> Double {
        let raw = randomBlocks(.q8_0, rows: rows, cols: cols)
        return raw.withUnsafeBytes { bytes in
            let w = QuantMatrix(type: .q8_0, rows: rows, cols: cols, data: bytes.baseAddress!).packed()
            return timeProducts(w, tokens: tokens, pool: pool)
        }
    }

    /// FLOP/s of the packed F32 `matmul`.
    static func floatThroughput(pool: ThreadPool) -> Double {
        let raw = randomBlocks(.f32, rows: 256, cols: 512)
        return raw.withUnsafeBytes { bytes in
            let w = QuantMatrix(type: .f32, rows: 256, cols: 512, data: bytes.baseAddress!).packed()
            return timeProducts(w, tokens: 64, pool: pool)
        }
    }

    /// Bytes/s the one-token (decode) product streams from memory: the packed bytes of a matrix
    /// much larger than the caches over the time one product takes.
    static func kernelBandwidth(pool: ThreadPool, type: GGMLType, rows: Int, cols: Int) -> Double {
        let raw = randomBlocks(type, rows: rows, cols: cols)
        return raw.withUnsafeBytes { bytes in
            let w = QuantMatrix(type: type, rows: rows, cols: cols, data: bytes.baseAddress!).packed()
            let packed = type == .f32 ? (rows + 15) / 16 * 16 * cols * 4
                : Int(tern_packed_bytes(Int32(type.rawValue), Int64(rows), Int64(cols)))
            let operations = timeProducts(w, tokens: 1, pool: pool, minimumSeconds: 0.1)
            return operations / (2 * Double(rows * cols)) * Double(packed)
        }
    }

    /// Seconds per empty `parallelFor` of 4 parts per thread, as a product hands out its rows.
    static func dispatch(pool: ThreadPool) -> Double {
        let jobs = 20_000
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<jobs { pool.parallelFor(4 * pool.threads) { _ in } }
            best = min(best, seconds(since: start) / Double(jobs))
        }
        return best
    }

    /// 2·rows·cols·tokens operations per product, repeated for at least `minimumSeconds` after a
    /// warm-up; the best of three such runs.
    private static func timeProducts(_ w: QuantMatrix, tokens: Int, pool: ThreadPool, minimumSeconds: Double = 0.3) -> Double {
        let x = (0..<tokens * w.cols).map { Float(($0 * 31) % 97 - 48) / 48 }
        var out = [Float](repeating: 0, count: tokens * w.rows)
        let scratch = ActivationBuffer(tokens: tokens, cols: w.cols)
        let operations = 2 * Double(w.rows * w.cols * tokens)
        var best = 0.0
        x.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { out in
                for _ in 0..<2 { matmul(w, x.baseAddress!, out.baseAddress!, tokens: tokens, pool: pool, scratch: scratch) }
                for _ in 0..<3 {
                    var calls = 0
                    let start = DispatchTime.now().uptimeNanoseconds
                    var elapsed = 0.0
                    while elapsed < minimumSeconds {
                        for _ in 0..<2 { matmul(w, x.baseAddress!, out.baseAddress!, tokens: tokens, pool: pool, scratch: scratch) }
                        calls += 2
                        elapsed = seconds(since: start)
                    }
                    best = max(best, operations * Double(calls) / elapsed)
                }
            }
        }
        return best
    }

    /// A matrix of `type` filled with pseudo-random quants and small finite scales (a kernel's
    /// speed does not depend on the values, only on their layout).
    private static func randomBlocks(_ type: GGMLType, rows: Int, cols: Int) -> [UInt8] {
        let count = rows * type.rowBytes(cols)!
        var raw = [UInt8](repeating: 0, count: count)
        raw.withUnsafeMutableBytes { bytes in
            if type == .f32 {
                let floats = bytes.bindMemory(to: Float.self)
                for i in floats.indices { floats[i] = Float(i % 255) / 255 - 0.5 }
                return
            }
            var seed: UInt64 = 0x2545_F491_4F6C_DD1D
            let words = bytes.baseAddress!.assumingMemoryBound(to: UInt64.self)
            for i in 0..<count / 8 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                words[i] = seed ^ (seed >> 29)
            }
            // The half-precision scales of each block (ggml-common.h layouts).
            let scales: [Int] = type == .q6_K ? [208] : type.blockSize == 256 ? [0, 2] : [0]
            let half = floatToHalf(0.01)
            for block in stride(from: 0, to: count, by: type.blockBytes) {
                for at in scales { bytes[block + at] = UInt8(half & 0xFF); bytes[block + at + 1] = UInt8(half >> 8) }
            }
        }
        return raw
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The CPU's model name (/proc/cpuinfo), or the architecture when there is none to read.
    static func cpuName() -> String {
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        #if arch(arm64)
        return "arm64 CPU"
        #else
        return "x86-64 CPU"
        #endif
    }
}
