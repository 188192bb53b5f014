import ArgumentParser
import Foundation
import TernEngine

/// `tern bench`: prefill and decode throughput in llama-bench's format.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prefill (pp) and decode (tg) tokens/s, as llama-bench does.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .shortAndLong, help: "Prompt tokens for the prefill test (0 skips it).") var p: Int = 512
    @Option(name: .shortAndLong, help: "Generated tokens for the decode test (0 skips it).") var n: Int = 128
    @Option(name: .shortAndLong, help: "Timed repetitions of each test.") var r: Int = 3
    @Option(help: "Also run B sequences forked from one shared 128-token prompt, decoding together.") var batch: Int?
    @Option(help: "Context tokens evaluated before the decode test (llama-bench's -d), comma-separated for several.") var depth: String = "0"
    @Flag(help: "Print a JSON array of {test, threads, tps, sd}.") var json = false

    private var depths: [Int]? {
        let values = depth.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return values.allSatisfy { ($0 ?? -1) >= 0 } ? values.map { $0! } : nil
    }

    struct Row: Encodable { let test: String; let threads: Int; let tps: Double; let sd: Double }

    func validate() throws {
        guard p >= 0, n >= 0, r >= 1 else { throw ValidationError("-p and -n must be ≥ 0 and -r ≥ 1") }
        guard depths != nil else { throw ValidationError("--depth takes numbers ≥ 0 separated by commas, e.g. 0,512,2048") }
        if let batch, batch < 1 { throw ValidationError("--batch must be ≥ 1") }
    }

    func run() throws {
        let loaded = try modelOptions.load()
        let bench = Benchmark(loaded), threads = loaded.model.pool.threads
        var rows: [Row] = []
        func record(_ test: String, _ runs: [Double]) {
            let s = Benchmark.summary(runs)
            rows.append(Row(test: test, threads: threads, tps: s.mean, sd: s.sd))
            let name = test.padding(toLength: max(8, test.count), withPad: " ", startingAt: 0)
            if !json { print("| \(name) | \(String(format: "%7d", threads)) | \(String(format: "%9.2f ± %5.2f", s.mean, s.sd)) |") }
        }
        if !json {
            print("| test     | threads |             t/s |")
            print("|----------|---------|-----------------|")
        }
        if p > 0 { record("pp\(p)", try bench.prefill(tokens: p, repetitions: r)) }
        for d in depths ?? [0] where n > 0 {
            record(d == 0 ? "tg\(n)" : "tg\(n) @ d\(d)", try bench.decode(tokens: n, repetitions: r, depth: d))
        }
        if let batch, n > 0 {
            record("tg\(n)x\(batch)", try bench.batchedDecode(sequences: batch, prompt: 128, tokens: n, repetitions: r))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        }
    }
}
