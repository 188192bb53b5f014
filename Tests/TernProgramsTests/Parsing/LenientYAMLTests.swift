import XCTest
import TernPrograms
import TernLM

final class LenientYAMLTests: XCTestCase {
    private func yaml(_ text: String) throws -> JSONValue { try LenientYAML.parse(text) }

    func testCoreSchemaTyping() throws {
        let value = try yaml("""
            a: true
            b: False
            c: ~
            d: null
            e: 0x1F
            f: 0o17
            g: -12
            h: 1.5e3
            i: .inf
            j: yes
            k: on
            l: 1.2.3
            m: !!str 12
            n: "42"
            """)
        XCTAssertEqual(value, .object([
            "a": .bool(true), "b": .bool(false), "c": .null, "d": .null, "e": .number(31), "f": .number(15),
            "g": .number(-12), "h": .number(1500), "i": .number(.infinity), "j": .string("yes"), "k": .string("on"),
            "l": .string("1.2.3"), "m": .string("12"), "n": .string("42"),
        ]))
    }

    func testBlockScalars() throws {
        let value = try yaml("""
            literal: |
              line 1
                indented
              line 3
            folded: >
              one
              two

              three
            stripped: |-
              x
            kept: |+
              y

            after: 1
            """)
        XCTAssertEqual(value, .object([
            "literal": .string("line 1\n  indented\nline 3\n"),
            "folded": .string("one two\nthree\n"),
            "stripped": .string("x"),
            "kept": .string("y\n\n"),
            "after": .number(1),
        ]))
    }

    func testSequencesOfMappingsAndNestedSequences() throws {
        let value = try yaml("""
            ---
            - name: a
              tags:
              - x
              - y
            - name: b
              nested:
                - - 1
                  - 2
            """)
        XCTAssertEqual(value, .array([
            .object(["name": .string("a"), "tags": .array([.string("x"), .string("y")])]),
            .object(["name": .string("b"), "nested": .array([.array([.number(1), .number(2)])])]),
        ]))
    }

    func testFlowCollectionsAcrossLines() throws {
        XCTAssertEqual(try yaml("point: {x: 1, y: [2, 3]}\nlist: [\n  a,\n  'b, c'\n]\n"), .object([
            "point": .object(["x": .number(1), "y": .array([.number(2), .number(3)])]),
            "list": .array([.string("a"), .string("b, c")]),
        ]))
    }

    func testJSONIsAccepted() throws {
        XCTAssertEqual(try yaml(#"{"a": [1, "two", null], "b": {"c": true}}"#),
                       .object(["a": .array([.number(1), .string("two"), .null]), "b": .object(["c": .bool(true)])]))
    }

    func testQuotedScalarsAndComments() throws {
        XCTAssertEqual(try yaml("a: 'it''s' # note\nb: \"tab\\there\"\nc: plain # comment\nd: a#b\n"), .object([
            "a": .string("it's"), "b": .string("tab\there"), "c": .string("plain"), "d": .string("a#b"),
        ]))
    }

    func testPlainScalarFoldsContinuationLines() throws {
        XCTAssertEqual(try yaml("desc: a long\n  sentence here\nn: 1"),
                       .object(["desc": .string("a long sentence here"), "n": .number(1)]))
    }

    func testBracketStartingPlainScalar() throws {
        XCTAssertEqual(try yaml("title: [draft] Q3 report"), .object(["title": .string("[draft] Q3 report")]))
    }

    func testOnlyFirstDocumentIsRead() throws {
        XCTAssertEqual(try yaml("a: 1\n---\nb: 2\n"), .object(["a": .number(1)]))
    }

    func testErrors() {
        XCTAssertThrowsError(try yaml("")) { error in
            XCTAssertEqual((error as? ParseError)?.description, "no YAML value found: the input is empty at 1:1")
        }
        XCTAssertThrowsError(try yaml("\n\nSorry, I cannot help with that.")) { error in
            let e = error as? ParseError
            XCTAssertEqual(e?.message, "no YAML value found: the text reads as prose")
            XCTAssertEqual(e?.line, 3)
        }
        XCTAssertThrowsError(try yaml("x: 1\ny: {a: , : b}")) { error in
            XCTAssertEqual((error as? ParseError)?.line, 2)
            XCTAssert((error as? ParseError)?.message.contains("expected a flow value") ?? false, "\(error)")
        }
    }
}
