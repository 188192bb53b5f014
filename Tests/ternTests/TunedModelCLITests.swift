import Foundation
import XCTest

/// `--model gemma3-270m-it` on a fresh clone: the base model plus the adapter shipped in the
/// package, with no training step; as a chat it follows an instruction and stops.
final class TunedModelCLITests: XCTestCase {
    let adapter = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/TernStore/Adapters/gemma3-270m-it.gguf").path

    /// Greedy ids and every step's top logprobs.
    func greedy(_ arguments: [String], _ prompt: String) throws -> (ids: [Int], top: [[[Double]]]) {
        let o = try TernProcess.run(["generate", "--temperature", "0", "-n", "8", "--json", "--logprobs", "2", "-t", "2"] + arguments + [prompt],
                                    environment: ["TERN_NO_TRACE": "1"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        return (try XCTUnwrap(obj["ids"] as? [Int]), try XCTUnwrap(obj["top_logprobs"] as? [[[Double]]]))
    }

    func testTheTunedNameIsTheBasePlusItsShippedAdapter() throws {
        let prompt = "The best way to learn a language is"
        let tuned = try greedy(["--model", "gemma3-270m-it"], prompt), explicit = try greedy(["--lora", adapter], prompt)
        XCTAssertEqual(tuned.ids, explicit.ids, "the name means base + the shipped adapter")
        XCTAssertEqual(tuned.top, explicit.top)
        XCTAssertNotEqual(tuned.top[0][0][1], try greedy([], prompt).top[0][0][1], accuracy: 1e-3, "the adapter changes the model")

        // As a chat turn (sampled, seeded) it answers and stops, and mostly keeps to the instruction;
        // the base model through the chat template writes on to the token limit.
        let ask = "Write a short note about kites. Write everything in lowercase letters."
        func answers(_ model: [String]) throws -> [String] {
            try (1...5).map { seed in
                let o = try TernProcess.run(["chat", "-t", "2", "--seed", "\(seed)", "-n", "200"] + model + [ask], environment: ["TERN_NO_TRACE": "1"])
                XCTAssertEqual(o.status, 0, o.stderr)
                return o.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        // At the default temperature a few samples loop on a word instead of stopping (1 of 20
        // seeds of this prompt for the shipped adapter, 2 of 20 for turn 1's): 4 of 5 must stop.
        let it = try answers(["--model", "gemma3-270m-it"])
        XCTAssertGreaterThanOrEqual(it.filter { $0.lowercased().contains("kite") && $0.count < 400 }.count, 4, "\(it)")
        XCTAssertGreaterThanOrEqual(it.filter { $0 == $0.lowercased() }.count, 2, "lowercase, as asked: \(it)")
        let base = try answers([])
        XCTAssertEqual(base.filter { $0.count < 400 }.count, 0, "the base model does not stop: \(base.map { $0.prefix(80) })")
    }
}
