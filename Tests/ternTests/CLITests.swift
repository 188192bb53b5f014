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
                                     "--logprobs", "3", "--json", "Question: What is 12 + 30?\nAnswer:"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        // llama.cpp's greedy continuation (shared/reference greedy.jsonl), a prompt whose first 8
        // steps all lead by ≥ 0.9 nats, so float-order differences cannot flip them (docs/PARITY.md).
        XCTAssertEqual(obj["ids"] as? [Int], [236743, 236770, 236778, 900, 236743, 236800, 236771, 578])
        XCTAssertEqual(obj["text"] as? String, " 12 + 30 =")
        let top = try XCTUnwrap(obj["top_logprobs"] as? [[[Double]]])
        XCTAssertEqual(top.count, 8)
        XCTAssertEqual(top[0].count, 3)
        XCTAssertEqual(top[0][0][0], 236743)
        // llama.cpp recorded -0.5059; its own configurations spread by up to 0.2 (docs/PARITY.md).
        XCTAssertEqual(top[0][0][1], -0.5059, accuracy: 0.2)
    }

    func testStopStringEndsGenerationBeforeIt() throws {
        let o = try TernProcess.run(["generate", "--temperature", "0", "--max-tokens", "16", "--stop", " =",
                                     "--json", "Question: What is 12 + 30?\nAnswer:"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["text"] as? String, " 12 + 30")
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
