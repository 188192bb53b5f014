import XCTest
import TernPrograms
import TernLM

final class SchemaValidatorTests: XCTestCase {
    /// Schemas are written as JSON text for readability.
    private func schema(_ json: String) -> JSONValue { try! LenientJSON.parse(json) }

    private func messages(_ schemaJSON: String, _ valueJSON: String) -> [String] {
        SchemaValidator(schema: schema(schemaJSON)).validate(try! LenientJSON.parse(valueJSON)).map(\.description)
    }

    private func assertValid(_ schemaJSON: String, _ valueJSON: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(messages(schemaJSON, valueJSON), [], file: file, line: line)
    }

    func testType() {
        assertValid(#"{"type": "string"}"#, #""x""#)
        assertValid(#"{"type": "number"}"#, "3")
        assertValid(#"{"type": "integer"}"#, "3.0")
        assertValid(#"{"type": ["string", "null"]}"#, "null")
        XCTAssertEqual(messages(#"{"type": "integer"}"#, "3.5"), ["/: expected integer, got number"])
        XCTAssertEqual(messages(#"{"type": "boolean"}"#, #""true""#), ["/: expected boolean, got string"])
        XCTAssertEqual(messages(#"{"type": ["string", "null"]}"#, "1"), ["/: expected string or null, got number"])
    }

    func testNestedPathIsAJSONPointer() {
        let s = #"{"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {"price": {"type": "number"}}}}}}"#
        XCTAssertEqual(messages(s, #"{"items": [{"price": 1}, {"price": 2}, {"price": "3"}]}"#),
                       ["/items/2/price: expected number, got string"])
        XCTAssertEqual(messages(#"{"properties": {"a/b~c": {"type": "string"}}}"#, #"{"a/b~c": 1}"#),
                       ["/a~1b~0c: expected string, got number"])
    }

    func testRequiredAndAdditionalProperties() {
        let closed = #"{"properties": {"a": {}}, "required": ["a"], "additionalProperties": false}"#
        assertValid(closed, #"{"a": 1}"#)
        XCTAssertEqual(messages(closed, #"{"b": 1}"#), [#"/: missing required property "a""#, #"/b: unexpected property "b""#])
        let typed = #"{"properties": {"a": {}}, "additionalProperties": {"type": "number"}}"#
        assertValid(typed, #"{"a": "x", "b": 2}"#)
        XCTAssertEqual(messages(typed, #"{"b": "2"}"#), ["/b: expected number, got string"])
        assertValid(#"{"additionalProperties": true}"#, #"{"z": 1}"#)
    }

    func testArrayKeywords() {
        let s = #"{"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2}"#
        assertValid(s, #"["a", "b"]"#)
        XCTAssertEqual(messages(s, "[]"), ["/: expected at least 1 items, got 0"])
        XCTAssertEqual(messages(s, #"["a", "b", "c"]"#), ["/: expected at most 2 items, got 3"])
        XCTAssertEqual(messages(s, #"["a", 2]"#), ["/1: expected string, got number"])
    }

    func testEnumAndConst() {
        assertValid(#"{"enum": ["red", "green", 3]}"#, "3")
        XCTAssertEqual(messages(#"{"enum": ["red", "green"]}"#, #""blue""#), [#"/: expected one of "red", "green", got "blue""#])
        assertValid(#"{"const": {"v": 1}}"#, #"{"v": 1}"#)
        XCTAssertEqual(messages(#"{"const": "x"}"#, #""y""#), [#"/: expected "x", got "y""#])
    }

    func testNumericBounds() {
        let s = #"{"minimum": 0, "maximum": 10}"#
        assertValid(s, "0")
        assertValid(s, "10")
        XCTAssertEqual(messages(s, "-1"), ["/: expected at least 0, got -1"])
        XCTAssertEqual(messages(s, "10.5"), ["/: expected at most 10, got 10.5"])
        let e = #"{"exclusiveMinimum": 0, "exclusiveMaximum": 1}"#
        assertValid(e, "0.5")
        XCTAssertEqual(messages(e, "0"), ["/: expected more than 0, got 0"])
        XCTAssertEqual(messages(e, "1"), ["/: expected less than 1, got 1"])
    }

    func testStringKeywords() {
        let s = #"{"minLength": 2, "maxLength": 4, "pattern": "^[a-zé]+$"}"#
        assertValid(s, #""ébc""#)
        XCTAssertEqual(messages(s, #""a""#), ["/: expected at least 2 characters, got 1"])
        XCTAssertEqual(messages(s, #""abcde""#), ["/: expected at most 4 characters, got 5"])
        XCTAssertEqual(messages(s, #""AB""#), [#"/: expected to match /^[a-zé]+$/, got "AB""#])
        assertValid(#"{"pattern": "\\d"}"#, #""room 4b""#)  // unanchored, as JSON Schema specifies
        XCTAssertEqual(messages(#"{"pattern": "("}"#, #""x""#), ["/: schema pattern /(/ is not a valid regular expression"])
    }

    func testCombinators() {
        let any = #"{"anyOf": [{"type": "string"}, {"type": "number", "minimum": 0}]}"#
        assertValid(any, #""x""#)
        assertValid(any, "1")
        XCTAssertEqual(messages(any, "-1"), ["/: expected to match at least one anyOf schema"])
        let one = #"{"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 5}]}"#
        assertValid(one, "2")
        assertValid(one, "5.5")
        XCTAssertEqual(messages(one, "6"), ["/: expected to match exactly one oneOf schema, matched 2"])
        XCTAssertEqual(messages(one, #""x""#), ["/: expected to match exactly one oneOf schema, matched 0"])
        let all = #"{"allOf": [{"type": "number"}, {"maximum": 3}]}"#
        assertValid(all, "2")
        XCTAssertEqual(messages(all, "4"), ["/: expected at most 3, got 4"])
    }

    func testRefs() {
        let s = #"""
            {"type": "object", "properties": {"owner": {"$ref": "#/$defs/person"}, "pets": {"type": "array", "items": {"$ref": "#/definitions/pet"}}},
             "$defs": {"person": {"type": "object", "required": ["name"]}},
             "definitions": {"pet": {"enum": ["cat", "dog"]}}}
            """#
        assertValid(s, #"{"owner": {"name": "Ana"}, "pets": ["cat"]}"#)
        XCTAssertEqual(messages(s, #"{"owner": {}, "pets": ["cat", "eel"]}"#),
                       [#"/owner: missing required property "name""#, #"/pets/1: expected one of "cat", "dog", got "eel""#])
        XCTAssertEqual(messages(##"{"$ref": "#/$defs/nope"}"##, "1"), ["/: unresolvable $ref #/$defs/nope"])
        // A self-referential schema terminates.
        let tree = ##"{"$defs": {"node": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}, "$ref": "#/$defs/node"}"##
        assertValid(tree, #"{"kids": [{"kids": []}, {}]}"#)
        XCTAssertEqual(messages(tree, #"{"kids": [{"kids": [3]}]}"#), ["/kids/0/kids/0: expected object, got number"])
    }

    func testBooleanSchemas() {
        assertValid("true", "1")
        XCTAssertEqual(messages(#"{"properties": {"x": false}}"#, #"{"x": 1}"#), ["/x: no value is allowed here"])
    }
}
