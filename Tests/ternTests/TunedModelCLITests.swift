import Foundation
import XCTest

/// `--model gemma3-270m-it` on a fresh clone: the base model plus the adapter shipped in the
/// package, with no training step; it answers a chat turn where the base model rambles.
final class TunedModelCLITests: XCTestCase {
    let adapter = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/TernStore/Adapters/gemma3-270m-it.gguf").path

    func greedy(_ arguments: [String], _ prompt: String) throws -> [Int] {
        let o = try TernProcess.run(["generate", "--temperature", "0", "-n", "24", "--json", "-t", "2"] + arguments + [prompt],
                                    environment: ["TERN_NO_TRACE": "1"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(obj["ids"] as? [Int])
    }

    func testTheTunedNameIsTheBasePlusItsShippedAdapter() throws {
        let prompt = "The best way to learn a language is"
        let tuned = try greedy(["--model", "gemma3-270m-it"], prompt)
        XCTAssertEqual(tuned, try greedy(["--lora", adapter], prompt), "the name means base + the shipped adapter")
        XCTAssertNotEqual(tuned, try greedy([], prompt), "the adapter changes the model")

        let chat = try TernProcess.run(["chat", "--model", "gemma3-270m-it", "-t", "2", "What is the capital of France?"],
                                       environment: ["TERN_NO_TRACE": "1"])
        XCTAssertEqual(chat.status, 0, chat.stderr)
        XCTAssertTrue(chat.stdout.contains("Paris"), chat.stdout)
        XCTAssertLessThan(chat.stdout.count, 400, "an answer that ends: \(chat.stdout)")
    }
}
