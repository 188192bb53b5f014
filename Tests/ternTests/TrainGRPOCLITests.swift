import Foundation
import TernGGUF
import XCTest

/// `tern train grpo` and `tern synth solutions` on the real default model: a one-step run writes
/// its log (every field of a step), curves, checkpoint and adapter; bad options are one line and a
/// non-zero exit; worked solutions come out as chats in the tag format.
final class TrainGRPOCLITests: XCTestCase {
    func testOneStepRunWritesItsFiles() throws {
        let out = temporaryPath("grpo")
        let o = try TernProcess.run(["train", "grpo", "--out", out, "--steps", "1", "--prompts-per-step", "1",
                                     "--group", "2", "--max-tokens", "16", "--held-out", "2", "--lora-rank", "2", "--lora-targets", "q,v",
                                     "--rewards", "accuracy=1,format=0.5,language=0.1,length=0.1", "--length-buffer", "4", "-t", "2"],
                                    environment: ["TERN_NO_TRACE": "1"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let lines = try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let step = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        for key in ["reward", "accuracy", "response_length", "kl", "clip_fraction", "sampler_mismatch", "sampling_tokens_per_s",
                    "training_tokens_per_s", "seconds", "held_out_accuracy", "grad_norm"] {
            XCTAssertNotNil(step[key], key)
        }
        XCTAssertEqual(Set((step["rewards"] as? [String: Double])?.keys.map { $0 } ?? []), ["accuracy", "format", "language", "length"])
        XCTAssertTrue(try String(contentsOfFile: out + "/curves.svg", encoding: .utf8).hasPrefix("<svg"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/checkpoint.bin"))
        let adapter = try GGUFFile(path: out + "/adapter.gguf")
        XCTAssertEqual(adapter.tensors.count, 18 * 2 * 2, "A and B on q and v of 18 layers")

        for (bad, says) in [(["--group", "1"], "--group"), (["--loss-averaging", "mean"], "--loss-averaging"),
                            (["--rewards", "speed=1"], "unknown reward"), (["--full"], "--full")] {
            let r = try TernProcess.run(["train", "grpo", "--out", temporaryPath("bad")] + bad, environment: ["TERN_NO_TRACE": "1"])
            XCTAssertNotEqual(r.status, 0, bad.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
        }
    }

    func testSolutionsAreChatsInTheTagFormat() throws {
        let out = temporaryPath("solutions.jsonl")
        let o = try TernProcess.run(["synth", "solutions", "--count", "4", "--samples", "4", "--out", out, "-t", "2"], environment: ["TERN_NO_TRACE": "1"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stdout.contains("verified solutions of 4 problems"), o.stdout)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        for line in lines {
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let messages = try XCTUnwrap(obj["messages"] as? [[String: String]])
            XCTAssertEqual(messages.map { $0["role"] }, ["user", "assistant"])
            XCTAssertTrue(messages[1]["content"]!.hasPrefix("<think>\n") && messages[1]["content"]!.hasSuffix("</answer>"))
        }
    }
}
