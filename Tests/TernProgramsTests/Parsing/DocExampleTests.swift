import XCTest
import TernPrograms
import TernLM

/// The usage examples in the `///` docs, kept honest.
final class DocExampleTests: XCTestCase {
    func testParseErrorExample() {
        XCTAssertThrowsError(try LenientJSON.parse("{\"a\": 1 \"b\" 2}")) { error in
            XCTAssertEqual("\(error)", "expected ',' or '}' at 1:9 near `{\"a\": 1 \"b\" 2}`")
        }
    }

    func testLenientJSONExample() throws {
        let value = try LenientJSON.parse("""
            Here you go:
            ```json
            {name: 'Ada', tags: ["math",], active: True
            ```
            """)
        XCTAssertEqual(value, .object(["name": .string("Ada"), "tags": .array([.string("math")]), "active": .bool(true)]))
    }

    func testLenientYAMLExample() throws {
        let value = try LenientYAML.parse("""
            ```yaml
            title: Note: read this
            tags:
            - a
            - b
            ```
            """)
        XCTAssertEqual(value, .object(["title": .string("Note: read this"), "tags": .array([.string("a"), .string("b")])]))
    }

    func testLongKeysWithValuesAreNotProse() throws {
        XCTAssertEqual(try LenientYAML.parse("max retries per job: 3\nname: x"),
                       .object(["max retries per job": .number(3), "name": .string("x")]))
    }

    func testValidatorExample() {
        let schema: JSONValue = .object(["type": .string("object"),
            "properties": .object(["price": .object(["type": .string("number")])]),
            "required": .array([.string("price")])])
        let problems = SchemaValidator(schema: schema).validate(.object(["price": .string("3")]))
        XCTAssertEqual(problems.map(\.description), ["/price: expected number, got string"])
    }

    func testCoercionExample() {
        let schema: JSONValue = .object(["type": .string("object"), "properties": .object([
            "count": .object(["type": .string("integer")]),
            "tags": .object(["type": .string("array"), "items": .object(["type": .string("string")])])])])
        XCTAssertEqual(SchemaCoercion.coerced(.object(["count": .string("3"), "tags": .number(7)]), to: schema),
                       .object(["count": .number(3), "tags": .array([.string("7")])]))
    }
}
