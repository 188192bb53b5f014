import XCTest
import TernLM

final class SchemaErrorTests: XCTestCase {
    func assertError(_ schema: String, _ expected: GrammarError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JSONGrammar(schemaJSON: schema), file: file, line: line) { error in
            XCTAssertEqual(error as? GrammarError, expected, file: file, line: line)
        }
    }

    func testUnsupportedKeywords() {
        assertError(#"{"type":"object","properties":{"a":{"type":"string","pattern":"^x"}}}"#,
                    .unsupported("keyword 'pattern' at #/properties/a"))
        assertError(#"{"allOf":[{}]}"#, .unsupported("keyword 'allOf' at #"))
        assertError(#"{"type":"array","uniqueItems":true}"#, .unsupported("keyword 'uniqueItems' at #"))
        assertError(#"{"type":"array","items":[{}]}"#, .unsupported("tuple form of 'items' at #"))
    }

    func testAmbiguousAnyOf() {
        XCTAssertThrowsError(try JSONGrammar(schemaJSON: #"{"anyOf":[{"type":"string"},{"enum":["a"]}]}"#)) {
            guard case .unsupported(let m)? = $0 as? GrammarError else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("#/anyOf") && m.contains("'\"'"), m)
        }
        XCTAssertThrowsError(try JSONGrammar(schemaJSON: #"{"oneOf":[{"type":"object"},{"type":"object","properties":{"a":{}}}]}"#))
    }

    func testRefs() {
        assertError(##"{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"}}}},"$ref":"#/$defs/n"}"##,
                    .unsupported("recursive '$ref' #/$defs/n at #/$defs/n/properties/next"))
        assertError(##"{"$ref":"#/$defs/missing"}"##,
                    .unsupported("'$ref' #/$defs/missing at # (only #/$defs/X and #/definitions/X)"))
    }

    func testInvalid() {
        assertError(#"{"type":"array","minItems":3,"maxItems":2}"#, .invalidSchema("maxItems < minItems at #"))
        assertError(#"{"type":"string","enum":[1]}"#, .invalidSchema("'enum'/'const' at # allows no value"))
        assertError(#"{"type":"strin"}"#, .invalidSchema("unknown type 'strin' at #"))
        assertError(#"{"type":"object","properties":{},"required":["a"]}"#,
                    .unsupported("required property 'a' at # is not in 'properties'"))
        XCTAssertThrowsError(try JSONGrammar(schemaJSON: #"{"type":"#))
    }

    func testHarmlessKeywordsIgnored() throws {
        let g = try JSONGrammar(schemaJSON: #"{"$schema":"x","title":"t","description":"d","type":"string","format":"date","default":"a","examples":["b"]}"#)
        XCTAssertTrue(accepts(g, #""2020""#))
    }
}
