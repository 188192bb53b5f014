import Foundation
import TernGGUF
import XCTest

/// `tern train sft` on the real default model: a two-step LoRA run writes its log, chart,
/// checkpoint and a llama.cpp adapter; run again, it resumes from its checkpoint (nothing left to
/// do); bad data is one line naming the file and line.
final class TrainCLITests: XCTestCase {
    func testLoRARunWritesAdapterAndResumes() throws {
        let data = temporaryPath("train.jsonl"), out = temporaryPath("run")
        let rows = [("What is the capital of France?", "Paris."), ("What is 2 + 3?", "5."), ("Say hi.", "Hi!")]
        try rows.map { q, a in "{\"messages\": [{\"role\": \"user\", \"content\": \"\(q)\"}, {\"role\": \"assistant\", \"content\": \"\(a)\"}]}\n" }
            .joined().write(toFile: data, atomically: true, encoding: .utf8)
        let args = ["train", "sft", "--data", data, "--out", out, "--ctx", "32", "--batch-tokens", "32", "--epochs", "1",
                    "--lora-rank", "2", "--lora-targets", "q,v", "-t", "2"]
        let o = try TernProcess.run(args)
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertTrue(o.stderr.contains("3 examples, 2 steps"), o.stderr)
        let log = try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.count, 2)
        XCTAssertTrue(try String(contentsOfFile: out + "/loss.svg", encoding: .utf8).hasPrefix("<svg"))
        let adapter = try GGUFFile(path: out + "/adapter.gguf")
        XCTAssertEqual(adapter.metadata["adapter.type"]?.string, "lora")
        XCTAssertEqual(adapter.tensors.count, 18 * 2 * 2, "A and B on q and v of 18 layers")
        XCTAssertNotNil(adapter.tensor(named: "blk.17.attn_v.weight.lora_b"))
        for file in ["adapter_model.safetensors", "adapter_config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/peft/" + file), file)
        }

        // --lora applies the adapter in the engine's forward pass: scale 0 is the base model, scale 1 moves
        // the logprobs (the adapter has had two steps, too few to change which token leads).
        func topLogprob(_ extra: [String]) throws -> Double {
            let g = try TernProcess.run(["generate", "--temperature", "0", "--max-tokens", "1", "--logprobs", "1", "--json", "-t", "2"]
                                        + extra + ["What is the capital of France?"])
            XCTAssertEqual(g.status, 0, g.stderr)
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(g.stdout.utf8)) as? [String: Any])
            return try XCTUnwrap((obj["top_logprobs"] as? [[[Double]]])?.first?.first?.last)
        }
        let base = try topLogprob([])
        XCTAssertEqual(try topLogprob(["--lora", out + "/adapter.gguf", "--lora-scale", "0"]), base, accuracy: 1e-6)
        XCTAssertNotEqual(try topLogprob(["--lora", out + "/adapter.gguf"]), base, accuracy: 1e-4)
        assertOneLineError(try TernProcess.run(["generate", "--lora", out + "/missing.gguf", "x"]), "--lora")

        // Started from the adapter (--lora), a run begins where the first one ended, not from B = 0.
        let cont = temporaryPath("run2")
        let c = try TernProcess.run(args.map { $0 == out ? cont : $0 } + ["--lora", out + "/adapter.gguf"])
        XCTAssertEqual(c.status, 0, c.stderr)
        func firstLoss(_ dir: String) throws -> Double {
            let line = try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8).split(separator: "\n")[0]
            return try XCTUnwrap((JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["loss"] as? Double)
        }
        XCTAssertNotEqual(try firstLoss(cont), try firstLoss(out), accuracy: 1e-6)
        assertOneLineError(try TernProcess.run(args.map { $0 == out ? cont : $0 } + ["--lora", out + "/adapter.gguf", "--full"]), "--full")

        let again = try TernProcess.run(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8).split(separator: "\n").count, 2, "nothing retrained")

        let bad = temporaryPath("bad.jsonl")
        try "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": 3}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        assertOneLineError(try TernProcess.run(["train", "sft", "--data", bad, "--out", temporaryPath("x")]), "bad.jsonl:2: expected")
    }
}
