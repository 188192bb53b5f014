import XCTest
import TernLM

/// The chat templates of the model families Tern must read (as stored in their GGUF files), with
/// the expected prompts written out by hand from each family's documented format.
final class JinjaTemplateTests: XCTestCase {
    static let chatML = """
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    static let llama3 = """
        {% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}
        """

    static let mistral = """
        {{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}
        """

    /// Gemma 3's template: multi-line, with whitespace control on every tag.
    static let gemma = """
        {{ bos_token }}
        {%- if messages[0]['role'] == 'system' -%}
            {%- if messages[0]['content'] is string -%}
                {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
            {%- else -%}
                {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
            {%- endif -%}
            {%- set loop_messages = messages[1:] -%}
        {%- else -%}
            {%- set first_user_prefix = "" -%}
            {%- set loop_messages = messages -%}
        {%- endif -%}
        {%- for message in loop_messages -%}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
                {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
            {%- endif -%}
            {%- if (message['role'] == 'assistant') -%}
                {%- set role = "model" -%}
            {%- else -%}
                {%- set role = message['role'] -%}
            {%- endif -%}
            {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
            {%- if message['content'] is string -%}
                {{ message['content'] | trim }}
            {%- elif message['content'] is iterable -%}
                {%- for item in message['content'] -%}
                    {%- if item['type'] == 'text' -%}
                        {{ item['text'] | trim }}
                    {%- endif -%}
                {%- endfor -%}
            {%- else -%}
                {{ raise_exception("Invalid content type") }}
            {%- endif -%}
            {{ '<end_of_turn>\n' }}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
            {{'<start_of_turn>model\n'}}
        {%- endif -%}
        """

    func testChatML() throws {
        let t = try JinjaTemplate(Self.chatML, bos: "", eos: "<|im_end|>")
        XCTAssertEqual(try t.render([.user("Hi")], addGenerationPrompt: true),
                       "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(try t.render([.system("S"), .user("Hi")], addGenerationPrompt: false),
                       "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    func testLlama3TrimsOnlyTheContent() throws {
        let t = try JinjaTemplate(Self.llama3, bos: "<|begin_of_text|>", eos: "<|eot_id|>")
        XCTAssertEqual(try t.render([.system("Be brief."), .user(" Hi \n")], addGenerationPrompt: true),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                       + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    func testMistralAndItsRoleCheck() throws {
        let t = try JinjaTemplate(Self.mistral, bos: "<s>", eos: "</s>")
        XCTAssertEqual(try t.render([.user("Hi"), .assistant("Hello"), .user("Bye")], addGenerationPrompt: true),
                       "<s>[INST] Hi [/INST]Hello</s>[INST] Bye [/INST]")
        XCTAssertThrowsError(try t.render([.user("a"), .user("b")], addGenerationPrompt: true)) { e in
            XCTAssertEqual((e as? JinjaError)?.message, "Conversation roles must alternate user/assistant/user/assistant/...")
        }
    }

    /// Gemma's own template gives exactly what the built-in GemmaTemplate writes.
    func testGemmaMatchesTheBuiltInTemplate() throws {
        let t = try JinjaTemplate(Self.gemma, bos: "<bos>", eos: "<eos>")
        let chats: [[Message]] = [
            [.user("Hi")],
            [.system("Be brief. "), .user(" Hi"), .assistant("Hello!"), .user("2+2?")],
            [.user("a"), .assistant("b")],
        ]
        for chat in chats {
            for gen in [true, false] {
                XCTAssertEqual(try t.render(chat, addGenerationPrompt: gen), try GemmaTemplate().render(chat, addGenerationPrompt: gen))
            }
        }
    }

    /// Python Jinja with trim_blocks and lstrip_blocks: a block tag drops the newline after it and
    /// the indentation before it; output tags keep theirs.
    /// What Llama 3.1/3.2's and Mistral Nemo's real templates need: a comment with an apostrophe in
    /// it, `strftime_now` (tested for with `is defined`, then called), and `selectattr`/`rejectattr`.
    /// (Those three templates, and those of Qwen 2.5/3, SmolLM3, Phi-3.5, Granite 3.3 and the
    /// DeepSeek-R1 distills, render exactly as Python's jinja2 renders them: checked by hand against
    /// the copies in llama.cpp's models/templates, which are not in this repository.)
    func testCommentsDatesAndAttributeFilters() throws {
        let comment = try JinjaTemplate("{#- This means we're in ipython mode #}ok", bos: "", eos: "")
        XCTAssertEqual(try comment.render([], addGenerationPrompt: false), "ok")

        let date = try JinjaTemplate("""
            {%- if strftime_now is defined %}{{ strftime_now("%d %b %Y|%Y-%m-%d|%%") }}{% else %}none{% endif %}
            """, bos: "", eos: "")
        let c = Calendar(identifier: .gregorian).dateComponents(in: .current, from: Date())
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = String(format: "%02d", c.day!), month = String(format: "%02d", c.month!)
        XCTAssertEqual(try date.render([], addGenerationPrompt: false),
                       "\(day) \(months[c.month! - 1]) \(c.year!)|\(c.year!)-\(month)-\(day)|%")

        let filters = try JinjaTemplate("""
            {%- set system = messages | selectattr("role", "equalto", "system") | list -%}
            {%- set rest = messages | rejectattr("role", "equalto", "system") | list -%}
            {{ system | length }}:{{ system[0]['content'] }}|{% for m in rest %}{{ m['role'] }},{% endfor %}|\
            {{ messages | selectattr("role", "ne", "user") | list | length }}
            """, bos: "", eos: "")
        XCTAssertEqual(try filters.render([.system("S"), .user("a"), .assistant("b"), .user("c")], addGenerationPrompt: false),
                       "1:S|user,assistant,user,|2")
    }

    func testTrimAndLstripBlocks() throws {
        let t = try JinjaTemplate("{% for m in messages %}\n    {% if m.role == 'user' %}\n  {{ m.content }}\n    {% endif %}\n{% endfor %}",
                                  bos: "", eos: "")
        XCTAssertEqual(try t.render([.user("Hi"), .assistant("x"), .user("Yo")], addGenerationPrompt: false), "  Hi\n  Yo\n")
    }

    func testExpressions() throws {
        func r(_ source: String) throws -> String {
            try JinjaTemplate(source, bos: "", eos: "").render([.user("hello world"), .assistant("x")], addGenerationPrompt: true)
        }
        XCTAssertEqual(try r("{{ messages | length }}{{ messages[-1].role }}{{ messages[0]['content'][:5] }}"), "2assistanthello")
        XCTAssertEqual(try r("{{ 7 // 2 }} {{ -7 % 3 }} {{ 'a' ~ 1 }} {{ 'x' * 3 }} {{ [1, 2] + [3] }}"), "3 2 a1 xxx [1, 2, 3]")
        XCTAssertEqual(try r("{{ 'yes' if 'world' in messages[0].content else 'no' }}{{ 'q' not in 'abc' }}"), "yesTrue")
        XCTAssertEqual(try r("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}"), "2")
        XCTAssertEqual(try r("{% set n = 0 %}{% for m in messages %}{% set n = 5 %}{% endfor %}{{ n }}"), "0")
        XCTAssertEqual(try r("{{ messages[0].content.split(' ') | join('|') }} {{ ' a '.strip() }}{{ 'Ab'.startswith('A') }}"), "hello|world aTrue")
        XCTAssertEqual(try r("{{ {'k': [1, 'two', none]} | tojson }} {{ undefinedthing is defined }} {{ add_generation_prompt }}"),
                       #"{"k": [1, "two", null]} False True"#)
        XCTAssertEqual(try r("{% for m in messages if m.role == 'user' %}{{ loop.index }}/{{ loop.length }}{% else %}none{% endfor %}"), "1/1")
        XCTAssertEqual(try r("{# a comment #}{%- if false -%} no {%- elif true %}e{% else %}f{% endif %}"), "e")
        XCTAssertThrowsError(try JinjaTemplate("{% if x %}", bos: "", eos: ""))
        XCTAssertThrowsError(try JinjaTemplate("{{ 'a' ", bos: "", eos: ""))
        XCTAssertThrowsError(try JinjaTemplate("{% macro f() %}{% endmacro %}", bos: "", eos: ""))
    }
}
