import Foundation
import TernCKernels
import TernKernels

/// This machine's memory bandwidth and compute, measured once with Tern's own thread pool and
/// kernels and kept in a small JSON file in Tern's cache folder (`MachineProfile`): the "device"
/// `tern plan` predicts CPU speed on. The peaks are the best of several runs, since interference
/// from other work only ever slows a run down; what decode attains is a median over rounds
/// (on a shared or virtual machine the memory bandwidth alone varies by tens of percent from
/// second to second, and a decode runs through those swings).
///
/// - Bandwidth: every thread streams its share of a buffer much larger than the caches (1 GiB),
///   summing 64-byte vectors.
/// - int8: `matmul` of a packed Q8_0 (and a Q4_K, a TQ1_0 and a TQ2_0) matrix that fits the
///   caches (512 × 1024) by 64 tokens — the kernels prefill runs; and of a larger Q8_0 one (2048 × 2048, 4.7 MB, so a call
///   outweighs the thread handoffs) by one token.
/// - F32: `matmul` of a packed F32 matrix (256 × 512) by 64 tokens.
/// - Decode kernels and the fixed cost of a product: see `decodeRates` (MachineProbe+Decode).
///
///     let profile = try MachineProbe.profile(home: ModelStore().home, threads: 2)
///     profile.bandwidth            // e.g. 5.4e10
public enum MachineProbe {
    /// Measures now (about ten seconds with the default sizes). `kernelBytes` is the size of each
    /// matrix the decode kernels stream (default: three times the last-level cache, at least
    /// 96 MB, so no pass finds the previous one's bytes in cache).
    public static func measure(threads: Int, bufferBytes: Int = 1 << 30, kernelBytes: Int? = nil) -> MachineProfile {
        let pool = ThreadPool(threads: threads)
        let decode = decodeRates(pool: pool, bytes: kernelBytes ?? max(96 << 20, 3 * lastLevelCacheBytes()))
        return MachineProfile(
            cpu: cpuName(), isa: String(cString: tern_kernel_isa()), threads: pool.threads,
            bandwidth: bandwidth(pool: pool, bytes: bufferBytes),
            int8OpsPerSecond: quantizedThroughput(pool: pool, type: .q8_0, rows: 512, cols: 1024, tokens: 64),
            kQuantOpsPerSecond: quantizedThroughput(pool: pool, type: .q4_K, rows: 512, cols: 1024, tokens: 64),
            ternaryOpsPerSecond: ["tq1_0": quantizedThroughput(pool: pool, type: .tq1_0, rows: 512, cols: 1024, tokens: 64),
                                  "tq2_0": quantizedThroughput(pool: pool, type: .tq2_0, rows: 512, cols: 1024, tokens: 64)],
            int8DecodeOpsPerSecond: quantizedThroughput(pool: pool, type: .q8_0, rows: 2048, cols: 2048, tokens: 1),
            f32FlopsPerSecond: floatThroughput(pool: pool), decodeBandwidth: decode.bandwidth,
            productSeconds: decode.productSeconds, measuredAt: ISO8601DateFormatter().string(from: Date()))
    }

    /// The profile cached in `home`/machine.json when it was measured on this CPU, kernel set and
    /// thread count; otherwise (or when `remeasure`) measured and cached. `measured` tells which.
    /// `bufferBytes` and `kernelBytes` size the measurements (tests make them small).
    public static func profile(home: String, threads: Int, remeasure: Bool = false, bufferBytes: Int = 1 << 30,
                               kernelBytes: Int? = nil) throws -> (profile: MachineProfile, measured: Bool) {
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

    /// Integer operations/s of the packed `matmul` (activations quantized on the way in included).
    static func quantizedThroughput(pool: ThreadPool, type: GGMLType, rows: Int, cols: Int, tokens: Int) -> Double {
        let raw = randomBlocks(type, rows: rows, cols: cols)
        return raw.withUnsafeBytes { bytes in
            let w = QuantMatrix(type: type, rows: rows, cols: cols, data: bytes.baseAddress!).packed()
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

    /// 2·rows·cols·tokens operations per product, repeated for at least `minimumSeconds` after a
    /// warm-up; the best of `runs` such runs.
    static func timeProducts(_ w: QuantMatrix, tokens: Int, pool: ThreadPool, minimumSeconds: Double = 0.3, runs: Int = 3) -> Double {
        let x = (0..<tokens * w.cols).map { Float(($0 * 31) % 97 - 48) / 48 }
        var out = [Float](repeating: 0, count: tokens * w.rows)
        let scratch = ActivationBuffer(tokens: tokens, cols: w.cols)
        let operations = 2 * Double(w.rows * w.cols * tokens)
        var best = 0.0
        x.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { out in
                for _ in 0..<2 { matmul(w, x.baseAddress!, out.baseAddress!, tokens: tokens, pool: pool, scratch: scratch) }
                for _ in 0..<runs {
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
    static func randomBlocks(_ type: GGMLType, rows: Int, cols: Int) -> [UInt8] {
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
            let scales: [Int] = switch type {
            case .q6_K: [208]
            case .tq1_0: [52]
            case .tq2_0: [64]
            default: type.blockSize == 256 ? [0, 2] : [0]
            }
            let half = floatToHalf(0.01)
            for block in stride(from: 0, to: count, by: type.blockBytes) {
                for at in scales { bytes[block + at] = UInt8(half & 0xFF); bytes[block + at + 1] = UInt8(half >> 8) }
            }
        }
        return raw
    }

    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The last-level cache's size from sysfs (Linux), or 32 MB when it cannot be read.
    static func lastLevelCacheBytes() -> Int {
        let base = "/sys/devices/system/cpu/cpu0/cache"
        var largest = 0
        for index in 0..<8 {
            guard let text = try? String(contentsOfFile: "\(base)/index\(index)/size", encoding: .utf8) else { continue }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let number = Int(value.filter(\.isNumber)) ?? 0
            largest = max(largest, value.hasSuffix("M") ? number << 20 : value.hasSuffix("K") ? number << 10 : number)
        }
        return largest > 0 ? largest : 32 << 20
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
