import XCTest
import TernPrograms
import TernLM

final class SchemaCoercionTests: XCTestCase {
    private func json(_ text: String) -> JSONValue { try! LenientJSON.parse(text) }

    private func assertCoerces(_ schema: String, _ input: String, _ expected: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(SchemaCoercion.coerced(json(input), to: json(schema)), json(expected), file: file, line: line)
    }

    func testNumericStrings() {
        assertCoerces(#"{"type": "number"}"#, #"" 3.5 ""#, "3.5")
        assertCoerces(#"{"type": "integer"}"#, #""42""#, "42")
        assertCoerces(#"{"type": "integer"}"#, #""4.5""#, #""4.5""#)  // not whole: left for the validator
        assertCoerces(#"{"type": "number"}"#, #""about 3""#, #""about 3""#)
    }

    func testBooleans() {
        assertCoerces(#"{"type": "boolean"}"#, #""TRUE""#, "true")
        assertCoerces(#"{"type": "boolean"}"#, #""false""#, "false")
        assertCoerces(#"{"type": "boolean"}"#, #""yes""#, #""yes""#)
    }

    func testToString() {
        assertCoerces(#"{"type": "string"}"#, "42", #""42""#)
        assertCoerces(#"{"type": "string"}"#, "2.5", #""2.5""#)
        assertCoerces(#"{"type": "string"}"#, "true", #""true""#)
        assertCoerces(#"{"type": "string"}"#, "null", "null")
    }

    func testSingleValueToArray() {
        assertCoerces(#"{"type": "array", "items": {"type": "number"}}"#, #""7""#, "[7]")
        assertCoerces(#"{"type": "array"}"#, #"{"a": 1}"#, #"[{"a": 1}]"#)
    }

    func testEnumCanonicalSpelling() {
        assertCoerces(#"{"type": "string", "enum": ["Positive", "Negative"]}"#, #""positive""#, #""Positive""#)
        assertCoerces(#"{"enum": ["Positive", "Negative"]}"#, #""NEUTRAL""#, #""NEUTRAL""#)
        assertCoerces(#"{"enum": [1, 2, 3]}"#, #""2""#, "2")
    }

    func testRecursesWithoutInventing() {
        let schema = #"""
            {"type": "object", "properties": {
                "count": {"type": "integer"},
                "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
                "note": {"type": ["string", "null"]}},
             "required": ["count", "missing"],
             "additionalProperties": {"type": "boolean"},
             "$defs": {"item": {"type": "object", "properties": {"price": {"type": "number"}, "tag": {"enum": ["A", "B"]}}}}}
            """#
        assertCoerces(schema,
                      #"{"count": "3", "items": [{"price": "9.99", "tag": "a"}, {"price": 1}], "note": null, "flag": "true"}"#,
                      #"{"count": 3, "items": [{"price": 9.99, "tag": "A"}, {"price": 1}], "note": null, "flag": true}"#)
    }

    func testUnionsPickAConvertibleBranch() {
        assertCoerces(#"{"anyOf": [{"type": "null"}, {"type": "integer"}]}"#, #""5""#, "5")
        assertCoerces(#"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"#, #""5""#, #""5""#)  // already valid
        assertCoerces(#"{"type": ["integer", "string"]}"#, "true", #""true""#)
    }

    func testCoercedValuesValidate() {
        let schema = json(#"{"type": "object", "properties": {"n": {"type": "number"}, "ok": {"type": "boolean"}}, "required": ["n"]}"#)
        let raw = json(#"{"n": "1e2", "ok": "False"}"#)
        XCTAssertFalse(SchemaValidator(schema: schema).validate(raw).isEmpty)
        XCTAssertEqual(SchemaValidator(schema: schema).validate(SchemaCoercion.coerced(raw, to: schema)), [])
    }
}
