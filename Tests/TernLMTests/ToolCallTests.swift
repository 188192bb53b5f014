import Foundation
import TernLM
import XCTest

/// Tool calls in the Hermes format: the prompt that offers them, the parse of an output, the
/// streamed split, and the constraint that keeps every call well formed.
final class ToolCallTests: XCTestCase {
    let weather = ToolDefinition(name: "get_weather", description: "Weather in a city",
                       parameters: ["type": "object", "properties": ["city": ["type": "string"], "days": ["type": "integer"]],
                                    "required": ["city"]])
    let time = ToolDefinition(name: "get_time", parameters: ["type": "object", "properties": ["zone": ["type": "string"]], "required": ["zone"]])

    func testOfferedToolsOpenTheSystemTextAndCallsAreWrittenBack() throws {
        let call = ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city": "Oslo"}"#)
        let messages = ToolCallFormat.messages([.system("Be brief."), .user("Weather in Oslo?"),
                                                Message(role: .assistant, content: "", toolCalls: [call]),
                                                .tool("{\"temp\": 3}", callID: "call_1")],
                                               tools: [weather], choice: .required)
        XCTAssertEqual(messages.map(\.role), [.system, .user, .assistant, .tool])
        XCTAssertTrue(messages[0].content.hasPrefix("You can call functions."), messages[0].content)
        XCTAssertTrue(messages[0].content.contains(#"{"function":{"description":"Weather in a city","name":"get_weather","parameters":"#))
        XCTAssertTrue(messages[0].content.contains("Call at least one function."))
        XCTAssertTrue(messages[0].content.hasSuffix("\n\nBe brief."))
        XCTAssertEqual(messages[2].content, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>")
        XCTAssertEqual(messages[3].content, "<tool_response>\n{\"temp\": 3}\n</tool_response>")
        XCTAssertEqual(messages[3].toolCallID, "call_1")
    }

    func testParseKeepsTheArgumentsAsWrittenAndLeavesBrokenBlocksAsText() {
        let text = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"days\": 2, \"city\": \"Oslo\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_call>"
        let (content, calls) = ToolCallFormat.parse(text)
        XCTAssertEqual(content, "Let me check.")
        XCTAssertEqual(calls.map(\.name), ["get_weather", "get_time"])
        XCTAssertEqual(calls[0].arguments, #"{"days": 2, "city": "Oslo"}"#, "key order and spacing kept")
        XCTAssertEqual(ToolCallFormat.parse("<tool_call>\n{\"name\": \"x\", \"arguments\": {").calls.count, 0)
        XCTAssertEqual(ToolCallFormat.parse("<tool_call>{\"name\": 3}</tool_call>").calls.count, 0)
        XCTAssertEqual(ToolCallFormat.parse("plain answer").content, "plain answer")

        var choice = Choice(text: "", finishReason: .stop)
        choice.text = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_call>"
        choice.readToolCalls()
        XCTAssertEqual(choice.toolCalls?.count, 1, "a repeated call is read once")
        XCTAssertEqual(choice.finishReason, .toolCalls)
        XCTAssertTrue(choice.toolCalls![0].id.hasPrefix("call_") && choice.toolCalls![0].id.count == 29)
    }

    /// A small model may write the closing tag inside an argument string: the block ends at the
    /// first closing tag after which it parses, whole or streamed.
    func testAClosingTagInsideAStringDoesNotEndTheCall() {
        let text = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"v\": \"a</tool_call>b\"}}\n</tool_call>"
        let parsed = ToolCallFormat.parse(text)
        XCTAssertEqual(parsed.calls.map(\.name), ["f"])
        XCTAssertEqual(parsed.calls.first?.arguments, "{\"v\": \"a</tool_call>b\"}")
        var s = ToolCallStream()
        var events: [ToolCallStream.Event] = []
        for piece in text.map(String.init) { events += s.feed(piece) }
        events += s.finish()
        XCTAssertEqual(events, [.call(name: "f", arguments: "{\"v\": \"a</tool_call>b\"}")])
    }

    func testStreamHoldsBackWhatMayBeACallAndSendsEachCallWhole() {
        var s = ToolCallStream()
        var events: [ToolCallStream.Event] = []
        for piece in ["<tool", "_call>\n{\"name\": \"get_", "time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_", "call>\n<tool_call>\n{\"name\"",
                      ": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_call>"] {
            let e = s.feed(piece)
            if piece.hasPrefix("<tool") { XCTAssertEqual(e, [], "nothing is sent before the first call is whole") }
            events += e
        }
        events += s.finish()
        XCTAssertEqual(events, [.call(name: "get_time", arguments: #"{"zone": "CET"}"#)], "the repeated call is dropped")

        var text = ToolCallStream()
        XCTAssertEqual(text.feed("<to"), [])
        XCTAssertEqual(text.feed("p>"), [.text("<top>")])
        XCTAssertEqual(text.feed(" more"), [.text(" more")])
        var after = ToolCallStream()
        XCTAssertEqual(after.feed("Let me look. <tool_"), [.text("Let me look. ")])
        XCTAssertEqual(after.feed("call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>"),
                       [.call(name: "get_time", arguments: "{}")])
        var unfinished = ToolCallStream()
        XCTAssertEqual(unfinished.feed("<tool_call>\n{\"name\""), [])
        XCTAssertEqual(unfinished.finish(), [.text("<tool_call>\n{\"name\"")])
    }

    /// Byte tokens plus a few longer ones; id 0 ends generation.
    func vocabulary() -> TokenVocabulary {
        var tokens: [[UInt8]] = [[]]
        tokens += (0x0A...0x7E).map { [UInt8($0)] }
        // A space and a quote in one token, as Gemma writes `: "` (a bare space before a string
        // may not end a token of compact arguments: JSONMatcher.mayEndToken).
        tokens += ["<tool_call>", "\n{\"name\": \"", "get_", "time", "weather", "\"}", "}\n", "Sure", " \""].map { Array($0.utf8) }
        return TokenVocabulary(tokens: tokens, endOfGeneration: [0])
    }

    func constraint(_ tools: [ToolDefinition], mustCall: Bool, parallel: Bool) throws -> ToolCallConstraint {
        ToolCallConstraint(functions: try tools.map { .init(name: $0.name, arguments: try JSONGrammar(schema: $0.parameters)) },
                           mustCall: mustCall, parallel: parallel, tables: ConstraintTables(vocabulary: vocabulary()))
    }

    /// Feeds `text` greedily by the longest allowed token; returns whether every byte was allowed.
    func write(_ text: String, _ c: inout ToolCallConstraint, _ v: TokenVocabulary) -> Bool {
        var rest = Array(text.utf8)
        while !rest.isEmpty {
            let candidates = (1..<v.count).filter { !v.bytes(of: $0).isEmpty && rest.starts(with: v.bytes(of: $0)) && c.allows($0) }
            guard let best = candidates.max(by: { v.bytes(of: $0).count < v.bytes(of: $1).count }) else { return false }
            c.accept(best)
            rest.removeFirst(v.bytes(of: best).count)
        }
        return true
    }

    func testRequiredCallsAreWellFormedAndNameAnOfferedFunction() throws {
        let v = vocabulary()
        let call = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_call>"
        var c = try constraint([weather, time], mustCall: true, parallel: false)
        XCTAssertFalse(c.allows(0), "a required call cannot be skipped")
        XCTAssertFalse(c.allows(v.count - 1), "nor replaced by text")
        XCTAssertTrue(write(call, &c, v))
        XCTAssertTrue(c.mustEnd, "one call only without parallel calls")

        for wrong in ["<tool_call>\n{\"name\": \"get_date\"", "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"city\": 1}",
                      "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}", "<tool_call>\n{\"arguments\"",
                      // Arguments are compact: one space at most between tokens, no newline.
                      "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\n\"zone\"",
                      "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\":  \""] {
            var w = try constraint([weather, time], mustCall: true, parallel: false)
            XCTAssertFalse(write(wrong, &w, v), wrong)
        }

        var masked = try constraint([weather, time], mustCall: true, parallel: true)
        XCTAssertTrue(write("<tool_call>\n{\"name\": \"get_", &masked, v))
        var logits = [Float](repeating: 0, count: v.count)
        logits.withUnsafeMutableBufferPointer { masked.mask($0) }
        let allowed = logits.indices.filter { logits[$0] > -.infinity }.map { String(decoding: v.bytes(of: $0), as: UTF8.self) }
        XCTAssertEqual(Set(allowed), ["t", "w", "time", "weather"])

        var parallel = try constraint([weather, time], mustCall: true, parallel: true)
        XCTAssertTrue(write(call, &parallel, v))
        XCTAssertTrue(parallel.allows(0), "after a whole call the answer may end")
        XCTAssertFalse(parallel.mustEnd)
        XCTAssertTrue(write("\n" + call.replacingOccurrences(of: "time", with: "weather").replacingOccurrences(of: "zone", with: "city"), &parallel, v))
    }

    func testAutoLeavesTextFreeAndHoldsABegunCallToTheGrammar() throws {
        let v = vocabulary()
        var text = try constraint([time], mustCall: false, parallel: true)
        XCTAssertTrue(text.allows(0))
        XCTAssertTrue(write("Sure, <tool_ is only text, as is <<tool_cal", &text, v))
        XCTAssertTrue(text.allows(0))

        var call = try constraint([time], mustCall: false, parallel: true)
        XCTAssertTrue(write("<tool_call>", &call, v))
        XCTAssertFalse(call.allows(0), "a begun call must be finished")
        XCTAssertFalse(write("oops", &call, v))

        var later = try constraint([time], mustCall: false, parallel: false)
        XCTAssertTrue(write("Let me look. <tool_call>", &later, v))
        XCTAssertFalse(write("{", &later, v), "a call begun after some text is held to the grammar too")
        XCTAssertTrue(write("\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}\n</tool_call>", &later, v))
        XCTAssertTrue(later.mustEnd)
    }
}
