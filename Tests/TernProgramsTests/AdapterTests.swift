import XCTest
import TernLM
import TernPrograms

/// The exact prompts each adapter renders (snapshots written by hand), and how replies parse.
final class AdapterTests: XCTestCase {
    let signature = try! Signature("question -> answer: int", instructions: "Answer the arithmetic question.")
    let demo: Example = ["question": "1 + 1?", "answer": 2]
    let inputs: Example = ["question": "2 + 3?"]

    func testChatAdapterPrompt() {
        let m = ChatAdapter().messages(signature, demos: [demo], inputs: inputs)
        XCTAssertEqual(m.map(\.role), [.system, .user, .assistant, .user])
        XCTAssertEqual(m[0].content, """
            Your input fields are:
            1. `question` (str)
            Your output fields are:
            1. `answer` (int)
            Every exchange is laid out as below, with the values filled in.

            [[ ## question ## ]]
            {question}

            [[ ## answer ## ]]
            {answer}        # an integer

            [[ ## completed ## ]]
            Your task: Answer the arithmetic question.
            """)
        XCTAssertEqual(m[1].content, """
            [[ ## question ## ]]
            1 + 1?

            Reply with the output fields, starting with `[[ ## answer ## ]]` and ending with `[[ ## completed ## ]]`.
            """)
        XCTAssertEqual(m[2].content, "[[ ## answer ## ]]\n2\n\n[[ ## completed ## ]]")
        XCTAssertEqual(m[3].content, """
            [[ ## question ## ]]
            2 + 3?

            Reply with the output fields, starting with `[[ ## answer ## ]]` and ending with `[[ ## completed ## ]]`.
            """)
    }

    func testChatAdapterParses() throws {
        let a = ChatAdapter()
        let clean = try a.parse(signature, reply: "[[ ## answer ## ]]\n5\n\n[[ ## completed ## ]]")
        XCTAssertEqual(clean, ParsedReply(values: ["answer": 5], repaired: false))
        let messy = try a.parse(signature, reply: "[[ ## answer ## ]]\n**5.** because 2 + 3 = 5")
        XCTAssertEqual(messy, ParsedReply(values: ["answer": 5], repaired: true))
        XCTAssertThrowsError(try a.parse(signature, reply: "The answer is 5")) {
            XCTAssertEqual("\($0)", "the reply has no `[[ ## answer ## ]]` section")
            XCTAssertEqual(($0 as? OutputParseError)?.raw, "The answer is 5")
        }
        XCTAssertThrowsError(try a.parse(signature, reply: "[[ ## answer ## ]]\nfive")) {
            XCTAssertEqual("\($0)", "expected an integer, got 'five'")
        }
        let list = try Signature("q -> items: list[int], kind: Literal['a', 'b']")
        XCTAssertEqual(try a.parse(list, reply: "[[ ## items ## ]]\n[1, 2,]\n[[ ## kind ## ]]\nB").values,
                       ["items": [1, 2], "kind": "b"])
    }

    func testJSONAdapterPromptAndFormat() {
        let a = JSONAdapter()
        let m = a.messages(signature, demos: [demo], inputs: inputs)
        XCTAssertEqual(m[0].content, """
            Your input fields are:
            1. `question` (str)
            Your output fields are:
            1. `answer` (int)
            Reply with one JSON object whose keys are the output fields: "answer".
            Your task: Answer the arithmetic question.
            """)
        XCTAssertEqual(m[1].content, "[[ ## question ## ]]\n1 + 1?\n\nReply with a JSON object with the keys \"answer\".")
        XCTAssertEqual(m[2].content, "{\"answer\": 2}")
        XCTAssertNil(a.responseFormat(signature, for: ScriptedModel()))
        XCTAssertEqual(a.responseFormat(signature, for: ScriptedModel(capabilities: .jsonSchema)),
                       .jsonSchema(name: "outputs", schema: [
                           "type": "object", "properties": ["answer": ["type": "integer"]], "required": ["answer"],
                           "propertyOrdering": ["answer"], "additionalProperties": false]))
    }

    func testJSONAdapterParsesAndRepairs() throws {
        let a = JSONAdapter()
        XCTAssertEqual(try a.parse(signature, reply: "{\"answer\": 5}"), ParsedReply(values: ["answer": 5], repaired: false))
        XCTAssertEqual(try a.parse(signature, reply: "```json\n{answer: '5',}\n```"), ParsedReply(values: ["answer": 5], repaired: true))
        XCTAssertThrowsError(try a.parse(signature, reply: "{\"result\": 5}")) { XCTAssertEqual("\($0)", "the reply has no key \"answer\"") }
        XCTAssertThrowsError(try a.parse(signature, reply: "{\"answer\": \"many\"}")) {
            XCTAssertEqual("\($0)", "\"answer\": expected integer, got string")
        }
    }

    func testYAMLAdapterPromptAndParse() throws {
        let a = YAMLAdapter()
        let sig = try Signature("text -> title, tags: list[str]", instructions: "Title and tag the text.")
        let m = a.messages(sig, demos: [["text": "A cat sat.", "title": "Note: cats", "tags": ["cat"]]], inputs: ["text": "Dogs run."])
        XCTAssertEqual(m[0].content, """
            Your input fields are:
            1. `text` (str)
            Your output fields are:
            1. `title` (str)
            2. `tags` (list[str])
            Reply in YAML: one `key: value` line per output field (`title`, `tags`), nothing else.
            Your task: Title and tag the text.
            """)
        XCTAssertEqual(m[2].content, "title: \"Note: cats\"\ntags: [\"cat\"]")
        XCTAssertEqual(try a.parse(sig, reply: "title: Note: dogs run\ntags:\n  - dog\n  - run").values,
                       ["title": "Note: dogs run", "tags": ["dog", "run"]])
    }
}
