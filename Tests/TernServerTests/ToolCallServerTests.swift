import Foundation
import TernLM
import TernServer
import XCTest

/// Tool calls through the server in OpenAI's shape, read back by Tern's own OpenAI client, over a
/// scripted model that answers in the Hermes format. (The real model and the `openai` package
/// are in ternTests/ToolCallingTests.)
final class ToolCallServerTests: XCTestCase {
    let tools = [ToolDefinition(name: "get_weather", parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])]
    let reply = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\n"
        + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>"

    func testCallsComeBackTypedWholeAndStreamed() async throws {
        let scripted = ScriptedModel(name: "m") { [reply] _ in reply }
        let server = try await ServerHarness(OpenAIServer(models: [scripted]))
        defer { server.stop() }
        let client = OpenAICompatibleModel(baseURL: server.baseURL, model: "m", apiKey: "unused")
        var p = GenerationParameters(temperature: 0)
        p.tools = tools
        p.toolChoice = .required
        let c = try await client.complete(CompletionRequest(.chat([.user("Weather in Oslo and Rome?")]), parameters: p))
        let calls = try XCTUnwrap(c.choices[0].toolCalls)
        XCTAssertEqual(calls.map(\.name), ["get_weather", "get_weather"])
        XCTAssertEqual(calls.map(\.arguments), [#"{"city": "Oslo"}"#, #"{"city": "Rome"}"#])
        XCTAssertNotEqual(calls[0].id, calls[1].id)
        XCTAssertEqual(c.choices[0].finishReason, .toolCalls)
        XCTAssertEqual(c.text, "")
        // The server saw the tools and the choice.
        XCTAssertEqual(scripted.requests.last?.parameters.tools, tools)
        XCTAssertEqual(scripted.requests.last?.parameters.toolChoice, .required)

        var streamed: Completion?, texts = ""
        for try await chunk in client.stream(CompletionRequest(.chat([.user("Weather?")]), parameters: p)) {
            switch chunk {
            case .text(_, let t, _): texts += t
            case .done(let done): streamed = done
            }
        }
        XCTAssertEqual(texts, "", "no call text leaks into the content")
        XCTAssertEqual(streamed?.choices[0].toolCalls?.map(\.arguments), calls.map(\.arguments))
        XCTAssertEqual(streamed?.choices[0].finishReason, .toolCalls)

        // The raw wire shape: content null, tool_calls with type function.
        let body = #"{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}"#
        let (status, text) = try await server.request(.POST, "/v1/chat/completions", body: body)
        XCTAssertEqual(status, 200, text)
        let message = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))["choices"]?[0]?["message"]
        XCTAssertEqual(message?["content"], .null)
        XCTAssertEqual(message?["tool_calls"]?[0]?["type"]?.string, "function")
        XCTAssertEqual(message?["tool_calls"]?[0]?["function"]?["arguments"]?.string, #"{"city": "Oslo"}"#)
    }

    /// "none" reads no calls; an assistant's earlier calls and the tool's answer go back to the model.
    func testNoneAndToolMessages() async throws {
        let scripted = ScriptedModel(name: "m") { [reply] _ in reply }
        let server = try await ServerHarness(OpenAIServer(models: [scripted]))
        defer { server.stop() }
        let body = #"""
        {"messages":[{"role":"user","content":"Weather?"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},
          {"role":"tool","tool_call_id":"call_a","content":"3 degrees"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],"tool_choice":"none"}
        """#
        let (status, text) = try await server.request(.POST, "/v1/chat/completions", body: body)
        XCTAssertEqual(status, 200, text)
        let choice = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))["choices"]?[0]
        XCTAssertEqual(choice?["message"]?["content"]?.string, reply, "with tool_choice none the text is not read as calls")
        XCTAssertNil(choice?["message"]?["tool_calls"])
        XCTAssertEqual(choice?["finish_reason"]?.string, "stop")
        let seen = try XCTUnwrap(scripted.requests.last?.prompt.messages)
        XCTAssertEqual(seen[1].toolCalls, [ToolCall(id: "call_a", name: "get_weather", arguments: #"{"city":"Oslo"}"#)])
        XCTAssertEqual(seen[2].role, .tool)
        XCTAssertEqual(seen[2].toolCallID, "call_a")
    }

    func testBadToolFieldsAreNamed() async throws {
        let server = try await ServerHarness(OpenAIServer(models: [ScriptedModel(name: "m", rule: { _ in "ok" })]))
        defer { server.stop() }
        let user = #""messages":[{"role":"user","content":"hi"}]"#
        for (tools, field) in [
            (#""tools":[{"type":"retrieval"}]"#, "tools[0].type"),
            (#""tools":[{"type":"function","function":{"description":"no name"}}]"#, "tools[0].function.name"),
            (#""tools":[{"type":"function","function":{"name":"f","parameters":[1]}}]"#, "tools[0].function.parameters"),
            (#""tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"sometimes""#, "tool_choice"),
        ] {
            let (status, text) = try await server.request(.POST, "/v1/chat/completions", body: "{\(user),\(tools)}")
            XCTAssertEqual(status, 400, text)
            XCTAssertTrue(text.contains(field), "\(field): \(text)")
        }
    }
}
