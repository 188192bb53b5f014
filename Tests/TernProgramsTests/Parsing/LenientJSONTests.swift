import Foundation
import XCTest
import TernPrograms
import TernLM

final class LenientJSONTests: XCTestCase {
    /// Converts JSONSerialization's output so strict parsing can be compared with it.
    private func fromFoundation(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let b as Bool where type(of: any) == Bool.self: return .bool(b)
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { return .bool(n.boolValue) }
            return .number(n.doubleValue)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(fromFoundation))
        case let o as [String: Any]: return .object(o.mapValues(fromFoundation))
        default: XCTFail("unexpected \(type(of: any))"); return .null
        }
    }

    func testStrictJSONMatchesJSONSerialization() throws {
        let documents = [
            #"{"a": [1, 2.5, -3e-2, 1E+2, 0], "b": {"c": null, "d": false, "e": true}}"#,
            #"["\u00e9\ud83d\ude00", "\\\/\b\f\n\r\t", "", " spaced "]"#,
            #"{"nested": {"deep": [[[]], {}, [{"x": -0.5}]]}, "big": 12345678901234567890}"#,
            #""plain string""#, "3.25", "-7", "null", "false", #"{"dup": 1, "dup": 2}"#,
            "  \n\t{ \"ws\" : [ 1 , 2 ] }  \n",
        ]
        for text in documents {
            let expected = fromFoundation(try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed))
            XCTAssertEqual(try LenientJSON.parse(text), expected, text)
        }
    }

    func testNumbersModelsWrite() throws {
        XCTAssertEqual(try LenientJSON.parse("[+1, .5, 5., -.25, 1e3, 2E-1]"),
                       .array([.number(1), .number(0.5), .number(5), .number(-0.25), .number(1000), .number(0.2)]))
        XCTAssertEqual(try LenientJSON.parse("[NaN, Infinity, -Infinity]"), .array([.null, .null, .null]))
    }

    func testStringsKeepInnerQuotesAndRawNewlines() throws {
        XCTAssertEqual(try LenientJSON.parse("{\"q\": \"He said \"hi\" twice\"}"), .object(["q": .string("He said \"hi\" twice")]))
        XCTAssertEqual(try LenientJSON.parse("{\"poem\": \"roses\nviolets\"}"), .object(["poem": .string("roses\nviolets")]))
        XCTAssertEqual(try LenientJSON.parse(#"{"re": "\d+\.\w"}"#), .object(["re": .string(#"\d+\.\w"#)]))
    }

    func testMissingCommasBetweenMembersAndItems() throws {
        XCTAssertEqual(try LenientJSON.parse("{\"a\": 1\n\"b\": 2}"), .object(["a": .number(1), "b": .number(2)]))
        XCTAssertEqual(try LenientJSON.parse("[1 2 \"x\"]"), .array([.number(1), .number(2), .string("x")]))
    }

    func testTruncatedLiteralAtEndIsCompleted() throws {
        XCTAssertEqual(try LenientJSON.parse("{\"done\": fal"), .object(["done": .bool(false)]))
    }

    func testLongestEmbeddedValueWins() throws {
        XCTAssertEqual(try LenientJSON.parse("See [2]. {\"k\": [1, 2, 3]}"), .object(["k": .array([.number(1), .number(2), .number(3)])]))
    }

    // MARK: errors

    func testEmptyInput() {
        XCTAssertThrowsError(try LenientJSON.parse("")) { error in
            XCTAssertEqual((error as? ParseError)?.description, "no JSON value found: the input is empty at 1:1")
        }
    }

    func testProseOnly() {
        XCTAssertThrowsError(try LenientJSON.parse("Sorry, I can't do that.")) { error in
            XCTAssertEqual((error as? ParseError)?.description,
                           "no JSON value found: expected '{' or '[' at 1:1 near `Sorry, I can't d`")
        }
    }

    func testErrorNamesExpectationAndPosition() throws {
        XCTAssertThrowsError(try LenientJSON.parse("{\n  \"a\": 1,\n  \"b\": 2 3\n}")) { error in
            let e = error as? ParseError
            XCTAssertEqual(e?.message, "expected ',' or '}'")
            XCTAssertEqual(e?.line, 3)
            XCTAssertEqual(e?.column, 10)
            XCTAssertFalse(e?.description.contains("\n") ?? true)
        }
        XCTAssertThrowsError(try LenientJSON.parse("{\"a\" 1}")) { error in
            XCTAssertEqual((error as? ParseError)?.description, "expected ':' after key at 1:6 near `{\"a\" 1}`")
        }
    }

    func testErrorPositionCountsLinesBeforeFence() {
        XCTAssertThrowsError(try LenientJSON.parse("Result:\n```json\n{\"a\": }\n```")) { error in
            XCTAssertEqual((error as? ParseError)?.line, 3)
            XCTAssertEqual((error as? ParseError)?.column, 7)
        }
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 2000)
        XCTAssertThrowsError(try LenientJSON.parse(text)) { error in
            XCTAssert((error as? ParseError)?.message.contains("nesting deeper") ?? false, "\(error)")
        }
    }
}
