import Foundation
import XCTest

/// The CLI contract scripts depend on: tokenize, generate --json, perplexity's last line.
final class CLITests: XCTestCase {
    func testTokenizeMatchesLlamaCppFromArgumentAndStdin() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "tokenizer", withExtension: "jsonl", subdirectory: "Fixtures"))
        let first = try XCTUnwrap(String(contentsOf: url, encoding: .utf8).split(separator: "\n").first)
        let record = try JSONSerialization.jsonObject(with: Data(first.utf8)) as! [String: Any]
        let text = record["text"] as! String, ids = record["ids"] as! [Int]
        for o in [try TernProcess.run(["tokenize", text]), try TernProcess.run(["tokenize"], stdin: text)] {
            XCTAssertEqual(o.status, 0, o.stderr)
            let got = try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [Int]
            XCTAssertEqual(got, ids)
        }
    }

    func testGenerateJSONIsGreedyAndReportsTopLogprobs() throws {
        let o = try TernProcess.run(["generate", "--temperature", "0", "--max-tokens", "8", "--ignore-eos",
                                     "--logprobs", "3", "--json", "The capital of France is"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        // llama.cpp's greedy continuation (Fixtures of the engine tests): " the capital of the country of France."
        XCTAssertEqual(obj["ids"] as? [Int], [506, 5279, 529, 506, 2891, 529, 7001, 236761])
        XCTAssertEqual(obj["text"] as? String, " the capital of the country of France.")
        let top = try XCTUnwrap(obj["top_logprobs"] as? [[[Double]]])
        XCTAssertEqual(top.count, 8)
        XCTAssertEqual(top[0].count, 3)
        XCTAssertEqual(top[0][0][0], 506)
        // llama.cpp's own configurations put this logprob anywhere in -1.54 … -1.73 (docs/PARITY.md).
        XCTAssertEqual(top[0][0][1], -1.5439, accuracy: 0.2)
    }

    func testStopStringEndsGenerationBeforeIt() throws {
        let o = try TernProcess.run(["generate", "--temperature", "0", "--max-tokens", "16", "--stop", " France",
                                     "--json", "The capital of France is"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["text"] as? String, " the capital of the country of")
    }

    func testSeedMakesSamplingReproducible() throws {
        let args = ["generate", "--temperature", "1.0", "--seed", "1234", "--max-tokens", "12", "--json", "Once upon a time"]
        let a = try TernProcess.run(args), b = try TernProcess.run(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
    }

    func testStreamingOutputStartsWithPrompt() throws {
        let o = try TernProcess.run(["generate", "--temperature", "0", "--max-tokens", "4", "The capital of France is"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertEqual(o.stdout, "The capital of France is the capital of the\n")
    }

    func testPerplexityPrintsLlamaCppStyleLastLine() throws {
        let path = temporaryPath("text.txt")
        let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 30)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let o = try TernProcess.run(["perplexity", "--ctx", "64", path])
        XCTAssertEqual(o.status, 0, o.stderr)
        let last = try XCTUnwrap(o.stdout.split(separator: "\n").last.map(String.init))
        XCTAssertNotNil(last.range(of: #"^PPL = \d+\.\d{4} \+/- \d+\.\d{5}$"#, options: .regularExpression), last)
    }
}
