import XCTest
import TernLM

/// Helpers: a document is accepted iff every byte is accepted and the result is complete.
func grammar(_ schema: String) throws -> JSONGrammar { try JSONGrammar(schemaJSON: schema) }

func accepts(_ g: JSONGrammar, _ text: String) -> Bool {
    JSONMatcher(grammar: g).advanced(by: Array(text.utf8))?.isComplete ?? false
}

func acceptsBytes(_ g: JSONGrammar, _ bytes: [UInt8]) -> Bool {
    JSONMatcher(grammar: g).advanced(by: bytes)?.isComplete ?? false
}

/// The byte offset of the first refused byte, or nil if all bytes are accepted.
func firstRefused(_ g: JSONGrammar, _ text: String) -> Int? {
    var m = JSONMatcher(grammar: g)
    for (i, b) in text.utf8.enumerated() {
        guard let n = m.advanced(by: b) else { return i }
        m = n
    }
    return nil
}

final class MatcherTests: XCTestCase {
    let person = """
    {"type":"object","properties":{"name":{"type":"string","maxLength":5},
     "age":{"type":"integer","minimum":0},"role":{"enum":["admin","user"]},
     "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2}},
     "required":["name","role"]}
    """

    func testPersonValid() throws {
        let g = try grammar(person)
        XCTAssertTrue(accepts(g, #"{"name":"Ada","age":36,"role":"admin","tags":["x"]}"#))
        XCTAssertTrue(accepts(g, #"{"name":"Ada","role":"user"}"#))  // optional age/tags skipped
        XCTAssertTrue(accepts(g, "{\n  \"name\": \"Ada\",\n  \"role\": \"user\"\n}"))
        XCTAssertTrue(accepts(g, #"{"name":"héllo","role":"user"}"#))  // 5 scalars, 6 bytes
    }

    func testPersonInvalid() throws {
        let g = try grammar(person)
        XCTAssertEqual(firstRefused(g, #"{"name":"Ada","role":"boss"}"#), 22)  // wrong enum: 'b'
        XCTAssertEqual(firstRefused(g, #"{"role":"user"}"#), 2)  // missing required name: 'r'
        XCTAssertEqual(firstRefused(g, #"{"name":"Ada"}"#), 13)  // '}' before required role
        XCTAssertEqual(firstRefused(g, #"{"name":"Ada","role":"user","x":1}"#), 29)  // extra key
        XCTAssertEqual(firstRefused(g, #"{"name":"Ada","role":"user","name":"B"}"#), 29)  // order/repeat
        XCTAssertEqual(firstRefused(g, #"{"name":"Ada","age":-1,"role":"user"}"#), 20)  // '-' with minimum 0
        XCTAssertEqual(firstRefused(g, #"{"name":"Ada","age":1.5,"role":"user"}"#), 21)  // integer
        XCTAssertEqual(firstRefused(g, #"{"name":"Ada","age":01,"role":"user"}"#), 21)  // leading zero
        XCTAssertEqual(firstRefused(g, #"{"name":"abcdef","role":"user"}"#), 14)  // maxLength 5
        XCTAssertEqual(firstRefused(g, #"{"name":"A","role":"user","tags":[]}"#), 34)  // minItems 1
        XCTAssertEqual(firstRefused(g, #"{"name":"A","role":"user","tags":["a","b","c"]}"#), 41)  // maxItems 2: second ","
        XCTAssertEqual(firstRefused(g, #"{"name":"A","role":"user"} "#), 26)  // trailing whitespace
        XCTAssertEqual(firstRefused(g, #"{"name":"A","role":"user"}x"#), 26)  // trailing garbage
        XCTAssertEqual(firstRefused(g, #" {"name":"A","role":"user"}"#), 0)  // leading whitespace
        XCTAssertEqual(firstRefused(g, #"{"name":"A" ,"role":"user"}"#), 11)  // ws before ',' (role required)
        XCTAssertEqual(firstRefused(g, #"{"name" :"A","role":"user"}"#), 7)  // ws before ':'
        XCTAssertEqual(firstRefused(g, #"{"name":"A","role":"user",}"#), 26)  // trailing comma
        XCTAssertFalse(accepts(g, #"{"name":"A","role":"us"#))  // incomplete
    }

    func testStringBytes() throws {
        let g = try grammar(#"{"type":"string"}"#)
        XCTAssertEqual(firstRefused(g, "\"a\nb\""), 2)  // raw control byte
        XCTAssertTrue(accepts(g, #""a\nb\u00e9\"\\\/""#))
        XCTAssertTrue(accepts(g, #""\ud83d\ude00""#))  // surrogate pair
        XCTAssertEqual(firstRefused(g, #""\udc"#), 4)  // lone low surrogate refused as early as possible
        XCTAssertEqual(firstRefused(g, #""\ud83dx"#), 7)  // high surrogate must be followed by \u
        XCTAssertEqual(firstRefused(g, #""\ud83d\u0041"#), 9)  // ...by a low surrogate
        XCTAssertEqual(firstRefused(g, #""\x""#), 2)
        XCTAssertTrue(acceptsBytes(g, [0x22, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x22]))  // € 😀
        XCTAssertFalse(acceptsBytes(g, [0x22, 0xC3, 0x22]))  // missing continuation byte
        XCTAssertNil(JSONMatcher(grammar: g).advanced(by: [0x22, 0x80]))  // stray continuation
        XCTAssertNil(JSONMatcher(grammar: g).advanced(by: [0x22, 0xC0, 0x80]))  // overlong
        XCTAssertNil(JSONMatcher(grammar: g).advanced(by: [0x22, 0xED, 0xA0, 0x80]))  // UTF-8 surrogate
        XCTAssertNil(JSONMatcher(grammar: g).advanced(by: [0x22, 0xF4, 0x90]))  // above U+10FFFF
        XCTAssertTrue(JSONMatcher(grammar: g).advanced(by: Array("\"x\"".utf8))!.mustEnd)
    }

    func testMinMaxLengthCountsScalarsAndEscapes() throws {
        let g = try grammar(#"{"type":"string","minLength":2,"maxLength":3}"#)
        XCTAssertFalse(accepts(g, #""a""#))
        XCTAssertTrue(accepts(g, #""€😀""#))
        XCTAssertTrue(accepts(g, #""\n\ud83d\ude00x""#))  // 3 scalars
        XCTAssertEqual(firstRefused(g, #""abc\n""#), 4)
    }

    func testNumbers() throws {
        let g = try grammar(#"{"type":"number"}"#)
        for ok in ["0", "-0", "12.5", "1e5", "-3.25E-10", "1234567890123456"] { XCTAssertTrue(accepts(g, ok), ok) }
        XCTAssertEqual(firstRefused(g, "12345678901234567"), 16)  // 16-digit cap
        XCTAssertEqual(firstRefused(g, "1."), nil)
        XCTAssertFalse(accepts(g, "1."))
        XCTAssertEqual(firstRefused(g, "+1"), 0)
        XCTAssertEqual(firstRefused(g, "1e123"), 4)
        let m = JSONMatcher(grammar: g).advanced(by: Array("12".utf8))!
        XCTAssertTrue(m.isComplete)
        XCTAssertFalse(m.mustEnd)
        XCTAssertTrue(JSONMatcher(grammar: g).advanced(by: Array("1e99".utf8))!.mustEnd)
        let ints = try grammar(#"{"type":"array","items":{"type":"integer"}}"#)
        XCTAssertTrue(accepts(ints, "[1,-20, 3 ,\n 4\n]") == false)  // ws before ',' refused
        XCTAssertTrue(accepts(ints, "[1,-20, 3,\n 4\n]"))
    }

    func testLiterals() throws {
        let g = try grammar(#"{"enum":[1,10,"a",true,null,{"k":[1]}]}"#)
        for ok in ["1", "10", #""a""#, "true", "null", #"{"k":[1]}"#] { XCTAssertTrue(accepts(g, ok), ok) }
        for bad in ["2", "100", #""b""#, "false", #"{"k":[2]}"#, "1 "] { XCTAssertFalse(accepts(g, bad), bad) }
        let one = JSONMatcher(grammar: g).advanced(by: UInt8(ascii: "1"))!
        XCTAssertTrue(one.isComplete)
        XCTAssertFalse(one.mustEnd)  // "10" still possible
        XCTAssertTrue(JSONMatcher(grammar: g).advanced(by: Array("true".utf8))!.mustEnd)
        let b = try grammar(#"{"type":"boolean"}"#)
        XCTAssertTrue(accepts(b, "false"))
        XCTAssertFalse(accepts(b, "null"))
    }

    func testNested() throws {
        let g = try grammar("""
        {"type":"object","properties":{"items":{"type":"array","items":{"type":"object",
         "properties":{"id":{"type":"integer"},"kind":{"const":"x"},"sub":{"type":"array","items":{"enum":[1,2]}}},
         "required":["id","kind","sub"]}}},"required":["items"]}
        """)
        XCTAssertTrue(accepts(g, #"{"items":[{"id":1,"kind":"x","sub":[1,2,1]},{"id":-5,"kind":"x","sub":[]}]}"#))
        XCTAssertFalse(accepts(g, #"{"items":[{"id":1,"kind":"y","sub":[]}]}"#))
        XCTAssertFalse(accepts(g, #"{"items":[{"id":1,"kind":"x","sub":[3]}]}"#))
        XCTAssertFalse(accepts(g, #"{"items":[{"id":1,"kind":"x"}]}"#))
    }

    func testOptionalPropertiesKeepOrder() throws {
        let g = try grammar(#"{"type":"object","properties":{"b":{"type":"null"},"a":{"type":"null"},"c":{"type":"null"}}}"#)
        for ok in ["{}", #"{"b":null}"#, #"{"a":null}"#, #"{"b":null,"c":null}"#, #"{"b":null,"a":null,"c":null}"#] {
            XCTAssertTrue(accepts(g, ok), ok)
        }
        XCTAssertFalse(accepts(g, #"{"a":null,"b":null}"#))  // declared order is b, a, c
        // init(schema:) has no order to go by: sorted keys.
        let sorted = try JSONGrammar(schema: .object(["properties": .object([
            "b": .object(["type": .string("null")]), "a": .object(["type": .string("null")])])]))
        XCTAssertTrue(accepts(sorted, #"{"a":null,"b":null}"#))
        XCTAssertFalse(accepts(sorted, #"{"b":null,"a":null}"#))
    }

    func testWhitespaceCap() throws {
        let g = try grammar(#"{"type":"array","items":{"type":"integer"}}"#)
        let sixteen = String(repeating: " ", count: 16)
        XCTAssertTrue(accepts(g, "[" + sixteen + "1]"))
        XCTAssertEqual(firstRefused(g, "[" + sixteen + " 1]"), 17)
        XCTAssertTrue(accepts(g, "[1," + sixteen + "2" + sixteen + "]"))
    }

    /// A compact grammar (tool calls' arguments) allows one space between tokens and no newline
    /// or tab, while strings keep any spacing; it is a different grammar for the mask cache.
    func testCompactWhitespace() throws {
        let loose = try grammar(person), g = loose.compacted()
        XCTAssertTrue(accepts(g, #"{"name": "A  b", "role": "user", "tags": ["x", "y"]}"#))
        XCTAssertTrue(accepts(g, #"{"name":"A","role":"user"}"#))
        XCTAssertEqual(firstRefused(g, "{\n\"name\": \"A\"}"), 1)
        XCTAssertEqual(firstRefused(g, #"{"name":  "A"}"#), 9)
        XCTAssertEqual(firstRefused(g, "{\"name\":\t\"A\"}"), 8)
        XCTAssertEqual(firstRefused(g, #"{"name": "A",  "role": "user"}"#), 14, "one space, not two")
        XCTAssertTrue(accepts(loose, "{\n\"name\":  \"A\",\n \"role\": \"user\"}"))
        XCTAssertNotEqual(loose, g)
        XCTAssertEqual(g, try grammar(person).compacted())
        XCTAssertTrue(g.compacted() === g)
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(person.utf8))
        XCTAssertEqual(try JSONGrammar(schema: value, compact: true), try JSONGrammar(schema: value).compacted(), "compiled compact once")
    }

    func testAnyOfStringOrNull() throws {
        let g = try grammar(#"{"anyOf":[{"type":"string","maxLength":2},{"type":"null"}]}"#)
        XCTAssertTrue(accepts(g, #""ab""#))
        XCTAssertTrue(accepts(g, "null"))
        XCTAssertFalse(accepts(g, #""abc""#))
        XCTAssertFalse(accepts(g, "1"))
        let t = try grammar(#"{"type":["integer","null"]}"#)
        XCTAssertTrue(accepts(t, "-3"))
        XCTAssertTrue(accepts(t, "null"))
        XCTAssertFalse(accepts(t, "1.5"))
    }

    func testRef() throws {
        let g = try grammar("""
        {"$defs":{"pt":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}},
         "type":"object","properties":{"a":{"$ref":"#/$defs/pt"},"b":{"$ref":"#/$defs/pt"}},"required":["a","b"]}
        """)
        XCTAssertTrue(accepts(g, #"{"a":{"x":1},"b":{"x":2.5}}"#))
        XCTAssertFalse(accepts(g, #"{"a":{"x":1},"b":{}}"#))
        let d = try grammar(##"{"definitions":{"s":{"type":"string"}},"$ref":"#/definitions/s"}"##)
        XCTAssertTrue(accepts(d, #""x""#))
    }

    func testAnyValueAndAnyObject() throws {
        let g = try grammar("{}")
        for ok in [#"{"a":[1,{"b":null}],"c":"d"}"#, "[]", "3", #""s""#, "true"] { XCTAssertTrue(accepts(g, ok), ok) }
        XCTAssertTrue(accepts(g, String(repeating: "[", count: 8) + String(repeating: "]", count: 8)))
        XCTAssertFalse(accepts(g, String(repeating: "[", count: 9) + String(repeating: "]", count: 9)))
        let o = JSONGrammar.anyJSONObject
        XCTAssertTrue(accepts(o, #"{"k": [1, 2], "z": {"y": "w"}}"#))
        XCTAssertEqual(firstRefused(o, "[1]"), 0)
        XCTAssertFalse(accepts(o, #"{"k":1,}"#))
    }
}
