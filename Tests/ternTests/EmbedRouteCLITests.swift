import Foundation
import XCTest

/// `tern embed` and `tern route` on the real embedding model (minilm-l6).
final class EmbedRouteCLITests: XCTestCase {
    func testEmbedPrintsUnitVectorsAndReadsStdin() throws {
        let o = try TernProcess.run(["embed", "A cat sits on the mat.", "Un chat est assis."])
        XCTAssertEqual(o.status, 0, o.stderr)
        let vectors = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [[Double]])
        XCTAssertEqual(vectors.map(\.count), [384, 384])
        for v in vectors { XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4) }
        let piped = try TernProcess.run(["embed"], stdin: "A cat sits on the mat.\n")
        XCTAssertEqual(piped.status, 0, piped.stderr)
        let one = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(piped.stdout.utf8)) as? [[Double]])
        XCTAssertEqual(one.count, 1)
        XCTAssertEqual(zip(one[0], vectors[0]).reduce(0) { $0 + $1.0 * $1.1 }, 1, accuracy: 1e-5, "the same text, the same vector")
    }

    /// Train on prompts whose wording tells who gets them right, evaluate on new ones: the router
    /// must rank every prompt that needs the strong model first, and the files must be written.
    func testRouteTrainAndEval() throws {
        func line(_ prompt: String, _ weak: Int, _ strong: Int) -> String { #"{"prompt": "\#(prompt)", "weak": \#(weak), "strong": \#(strong)}"# }
        let hard = ["Prove that the series converges", "Derive the closed form of the integral", "Show the matrix is invertible"]
        let easy = ["What colour is the sky", "Say hello to my friend", "Name a kind of fruit"]
        func data(_ range: Range<Int>) -> String {
            range.flatMap { i in hard.map { line("\($0) number \(i)", 0, 1) } + easy.map { line("\($0) number \(i)", 1, 1) } }
                .joined(separator: "\n") + "\n"
        }
        let train = temporaryPath("train.jsonl"), test = temporaryPath("test.jsonl"), router = temporaryPath("router.json")
        try data(0..<8).write(toFile: train, atomically: true, encoding: .utf8)
        try data(8..<12).write(toFile: test, atomically: true, encoding: .utf8)
        let t = try TernProcess.run(["route", "train", "--data", train, "--out", router, "--trees", "20", "--weak", "small", "--strong", "large"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stdout.contains("48 examples (neither: 0, weakWins: 0, strongWins: 24, both: 24)"), t.stdout)
        let out = temporaryPath("eval")
        let e = try TernProcess.run(["route", "eval", "--router", router, "--data", test, "--out", out])
        XCTAssertEqual(e.status, 0, e.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/curve.json"))) as? [String: Any])
        // Half the prompts need the strong model, so a router that ranks every one of them first
        // recovers the gap linearly up to 50% strong calls: APGR = ½·½ + ½ = 0.75, the most this
        // data allows (random routing: 0.5).
        XCTAssertEqual(report["apgr"] as? Double ?? 0, 0.75, accuracy: 1e-9, "the wording separates the classes completely")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/cost-quality.svg"))
        XCTAssertTrue(e.stdout.contains("| strong calls | quality | PGR |"), e.stdout)

        // A malformed line is named by its number, on one line, with a non-zero exit.
        try "{\"prompt\": \"x\", \"weak\": 1, \"strong\": 0}\nnot json\n".write(toFile: test, atomically: true, encoding: .utf8)
        let bad = try TernProcess.run(["route", "eval", "--router", router, "--data", test, "--out", out])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("test.jsonl:2: expected {\"prompt\": text, \"weak\": number, \"strong\": number}"), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
    }
}

/// `tern synth` on the real default model: the files it writes, its pass-rate report, and a
/// second run that finds every prompt already answered.
final class SynthCLITests: XCTestCase {
    func testSynthInstructionsWritesKeptAndRejectedAndResumes() throws {
        let out = temporaryPath("synth.jsonl")
        let args = ["synth", "instructions", "--count", "50", "--max-attempts", "8", "--batch-size", "4", "--out", out]
        let first = try TernProcess.run(args)
        XCTAssertEqual(first.status, 0, first.stderr)
        let kept = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let rejected = try String(contentsOfFile: String(out.dropLast(6)) + ".rejected.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(kept.count + rejected.count, 8, "every attempt is recorded once")
        XCTAssertTrue(first.stdout.contains("\(kept.count) kept, \(rejected.count) rejected in the file"), first.stdout)
        XCTAssertTrue(first.stdout.contains("this run \(kept.count) of 8"), first.stdout)
        for line in kept {
            let r = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertTrue((r["checks"] as! [String: Bool]).values.allSatisfy { $0 }, "\(r)")
        }
        let second = try TernProcess.run(args)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("this run 0 of 0"), "all 8 prompts were answered already: \(second.stdout)")

        let bad = try TernProcess.run(["synth", "instructions", "--out", "/nonexistent-dir/x.jsonl"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("cannot open /nonexistent-dir/x.jsonl for appending"), bad.stderr)
    }
}
