import Foundation
import XCTest
import TernLM

/// A chat template with its own tool syntax (a ChatML template that reads `tools` and writes
/// calls in `<tool_call>` blocks, in the manner of Qwen 2.5's, written here for the test): Tern
/// hands it the tools and the assistant's calls, and it writes them; a template without tool
/// syntax leaves them to `ToolCallFormat`.
final class TemplateToolsTests: XCTestCase {
    static let template = """
    {%- if tools %}<|im_start|>system
    {% if messages[0].role == 'system' %}{{ messages[0].content }}

    {% endif %}Tools:
    {%- for tool in tools %}{{ "\n" }}{{ tool | tojson }}{% endfor %}<|im_end|>
    {% endif %}
    {%- for message in messages %}
    {%- if message.role == 'system' and tools %}
    {%- elif message.role == 'assistant' and message.tool_calls %}<|im_start|>assistant
    {%- for tc in message.tool_calls %}{{ "\n" }}<tool_call>
    {"name": "{{ tc.function.name }}", "arguments": {{ tc.function.arguments | tojson }}}
    </tool_call>
    {%- endfor %}<|im_end|>
    {% elif message.role == 'tool' %}<|im_start|>user
    <tool_response>{{ message.content }}</tool_response><|im_end|>
    {% else %}<|im_start|>{{ message.role }}
    {{ message.content }}<|im_end|>
    {% endif %}
    {%- endfor %}
    {%- if add_generation_prompt %}<|im_start|>assistant
    {% endif %}
    """

    let weather = ToolDefinition(name: "get_weather", description: "Weather in a city",
                                 parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])

    func testTemplateWritesToolsCallsAndResults() throws {
        let t = try JinjaTemplate(Self.template, bos: "", eos: "<|im_end|>")
        XCTAssertTrue(t.rendersTools)
        var call = Message.assistant("")
        call.toolCalls = [ToolCall(id: "call_1", name: "get_weather", arguments: "{\"city\": \"Lima\"}")]
        let text = try t.render([.system("Be brief."), .user("Weather in Lima?"), call, .tool("{\"sky\": \"clear\"}", callID: "call_1")],
                                tools: [weather], addGenerationPrompt: true)
        XCTAssertTrue(text.hasPrefix("<|im_start|>system\nBe brief.\n\nTools:\n{"), text)
        XCTAssertTrue(text.contains("\"name\": \"get_weather\"") || text.contains("\"name\":\"get_weather\""), text)
        XCTAssertTrue(text.contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lima\"}}\n</tool_call>"), text)
        XCTAssertTrue(text.contains("<tool_response>{\"sky\": \"clear\"}</tool_response>"), text)
        XCTAssertTrue(text.hasSuffix("<|im_start|>assistant\n"), text)
        XCTAssertEqual(text.components(separatedBy: "Be brief.").count, 2, "the system text is written once")
        // The calls the model writes in that syntax are read back as calls.
        let parsed = ToolCallFormat.parse("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>")
        XCTAssertEqual(parsed.calls.map(\.name), ["get_weather"])
    }

    func testTemplatesWithoutToolSyntax() throws {
        let plain = try JinjaTemplate("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}", bos: "", eos: "")
        XCTAssertFalse(plain.rendersTools)
        XCTAssertFalse(GemmaTemplate().rendersTools)
        // Rendering with tools changes nothing: the tools are written into the messages instead.
        XCTAssertEqual(try plain.render([.user("Hi")], tools: [weather], addGenerationPrompt: true),
                       try plain.render([.user("Hi")], addGenerationPrompt: true))
    }
}
