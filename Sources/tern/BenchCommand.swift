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
    @Flag(help: "Print a JSON array of {test, threads, tps, sd}.") var json = false

    struct Row: Encodable { let test: String; let threads: Int; let tps: Double; let sd: Double }

    func validate() throws {
        guard p >= 0, n >= 0, r >= 1 else { throw ValidationError("-p and -n must be ≥ 0 and -r ≥ 1") }
        if let batch, batch < 1 { throw ValidationError("--batch must be ≥ 1") }
    }

    func run() throws {
        let loaded = try modelOptions.load()
        let bench = Benchmark(loaded), threads = loaded.model.pool.threads
        var rows: [Row] = []
        func record(_ test: String, _ runs: [Double]) {
            let s = Benchmark.summary(runs)
            rows.append(Row(test: test, threads: threads, tps: s.mean, sd: s.sd))
            let name = test.padding(toLength: 8, withPad: " ", startingAt: 0)
            if !json { print("| \(name) | \(String(format: "%7d", threads)) | \(String(format: "%9.2f ± %5.2f", s.mean, s.sd)) |") }
        }
        if !json {
            print("| test     | threads |             t/s |")
            print("|----------|---------|-----------------|")
        }
        if p > 0 { record("pp\(p)", try bench.prefill(tokens: p, repetitions: r)) }
        if n > 0 { record("tg\(n)", try bench.decode(tokens: n, repetitions: r)) }
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
