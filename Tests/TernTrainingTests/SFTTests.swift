import Foundation
import TernLM
import TernTokenizers
import TernTraining
import XCTest

/// A character tokenizer with Gemma's turn markers as special tokens, so the loss mask can be
/// read off by eye: id = 3 + Unicode scalar value (ASCII only), 0 <bos>, 1 <start_of_turn>, 2 <end_of_turn>.
private struct CharTokenizer: Tokenizer {
    static let specials = ["<bos>", "<start_of_turn>", "<end_of_turn>"]
    var vocabularySize: Int { 131 }
    var bos: Int? { 0 }
    var eos: Int? { 2 }
    var addBOS: Bool { true }

    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        var ids: [Int] = [], rest = Substring(text)
        while let c = rest.first {
            if parseSpecial, let s = Self.specials.firstIndex(where: { rest.hasPrefix($0) }) {
                ids.append(s)
                rest = rest.dropFirst(Self.specials[s].count)
            } else {
                ids.append(3 + Int(c.unicodeScalars.first!.value % 128))
                rest = rest.dropFirst()
            }
        }
        return addSpecial && ids.first != 0 ? [0] + ids : ids
    }

    func bytes(of token: Int, renderSpecial: Bool) -> [UInt8] {
        token < 3 ? (renderSpecial ? Array(Self.specials[token].utf8) : []) : [UInt8(token - 3)]
    }

    func decode(_ tokens: [Int], renderSpecial: Bool) -> String {
        String(decoding: tokens.flatMap { bytes(of: $0, renderSpecial: renderSpecial) }, as: UTF8.self)
    }

    func isEndOfGeneration(_ token: Int) -> Bool { token == 2 }
}

final class SFTTests: XCTestCase {
    func testParsesBothShapesAndNamesTheBadLine() throws {
        XCTAssertEqual(try SFTData.parse(#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}"#),
                       .chat([.user("Hi"), .assistant("Yo")]))
        XCTAssertEqual(try SFTData.parse(#"{"prompt": "2+2=", "completion": "4"}"#), .completion(prompt: "2+2=", completion: "4"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sft-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\"prompt\": \"a\", \"completion\": \"b\"}\n\n{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SFTData.read(path)) { error in
            XCTAssertEqual("\(error)", "\(path):3: no assistant message: nothing to learn from")
        }
        for (line, message) in [("[1]", "not a JSON object"), (#"{"messages": [{"role": "bot", "content": "x"}]}"#, "message 1 has no valid role"),
                                (#"{"text": "x"}"#, "expected {\"messages\"")] {
            XCTAssertThrowsError(try SFTData.parse(line)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }

    /// OpenAI's fine-tuning lines with `tools` and an assistant's `tool_calls` become the
    /// conversation as the engine shows it (ToolCallFormat, tool choice auto), so the loss falls on
    /// the `<tool_call>` block the model will be asked to write.
    func testToolCallingLines() throws {
        let line = #"{"messages": [{"role": "user", "content": "Weather in Lima?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Lima\"}"}}]}], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}"#
        guard case .chat(let messages) = try SFTData.parse(line) else { return XCTFail("not a chat") }
        let tool = ToolDefinition(name: "get_weather", description: "Weather in a city",
                                  parameters: ["type": "object", "properties": ["city": ["type": "string"]]])
        var call = Message.assistant("")
        call.toolCalls = [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city": "Lima"}"#)]
        XCTAssertEqual(messages, ToolCallFormat.messages([.user("Weather in Lima?"), call], tools: [tool], choice: .auto))
        XCTAssertEqual(messages.last?.content, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lima\"}}\n</tool_call>")
        XCTAssertTrue(messages.first?.content.contains("<tools>") ?? false)
        let encoder = SFTEncoder(tokenizer: CharTokenizer(), template: GemmaTemplate())
        let e = try encoder.encode(.chat(messages))
        XCTAssertEqual(CharTokenizer().decode(e.targets.filter { $0 >= 0 }, renderSpecial: true), messages.last!.content + "<end_of_turn>")
        XCTAssertThrowsError(try SFTData.parse(#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [{"function": {"name": "f"}}]}]}"#)) {
            XCTAssertTrue("\($0)".contains("tool_calls[0]: needs function.name and function.arguments"), "\($0)")
        }
    }

    func testLossOnlyOnTheAssistantsTurnsAndTheirEndOfTurn() throws {
        let encoder = SFTEncoder(tokenizer: CharTokenizer(), template: GemmaTemplate())
        let e = try encoder.encode(.chat([.system("S"), .user("Q"), .assistant("AB"), .user("R"), .assistant("C")]))
        let text = CharTokenizer().decode(e.tokens, renderSpecial: true)
        XCTAssertEqual(text, "<bos><start_of_turn>user\nS\n\nQ<end_of_turn>\n<start_of_turn>model\nAB<end_of_turn>\n"
                       + "<start_of_turn>user\nR<end_of_turn>\n<start_of_turn>model\nC<end_of_turn>\n")
        // The tokens that are targets, in order: each answer and the end-of-turn token after it.
        let learned = e.targets.filter { $0 >= 0 }
        XCTAssertEqual(CharTokenizer().decode(learned, renderSpecial: true), "AB<end_of_turn>C<end_of_turn>")
        // Each target is the next token.
        for (t, target) in e.targets.enumerated() where target >= 0 { XCTAssertEqual(target, e.tokens[t + 1]) }

        let c = try encoder.encode(.completion(prompt: "2+2=", completion: "4"))
        XCTAssertEqual(c.tokens, [0, 3 + 50, 3 + 43, 3 + 50, 3 + 61, 3 + 52, 2])
        XCTAssertEqual(c.targets, [-1, -1, -1, -1, 3 + 52, 2, -1])
    }

    func testPlanPacksTruncatesAndShufflesBySeed() {
        let examples = (0..<10).map { i in
            EncodedExample(tokens: Array(repeating: i, count: 3 + i), targets: [i] + Array(repeating: -1, count: 2 + i))
        } + [EncodedExample(tokens: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], targets: [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 5, -1])]
        let plan = SFTPlan(examples: examples, context: 8, batchTokens: 16, epochs: 2, seed: 7)
        XCTAssertEqual(plan.truncated, 5, "five examples longer than 8 tokens")
        XCTAssertEqual(plan.skipped, 1, "the 13-token one kept no target after the cut")
        for step in plan.steps {
            for b in step.batches {
                XCTAssertLessThanOrEqual(b.tokens.count, 8)
                XCTAssertEqual(b.starts.count, b.tokens.count)
            }
        }
        let epochTokens = plan.steps.map(\.tokenCount).reduce(0, +)
        XCTAssertEqual(epochTokens, 2 * (3 + 4 + 5 + 6 + 7 + 8 + 8 + 8 + 8 + 8), "every kept example once per epoch")
        XCTAssertEqual(SFTPlan(examples: examples, context: 8, batchTokens: 16, epochs: 2, seed: 7).steps, plan.steps)
        XCTAssertNotEqual(SFTPlan(examples: examples, context: 8, batchTokens: 16, epochs: 2, seed: 8).steps, plan.steps)
    }
}
