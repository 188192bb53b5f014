import Foundation
import XCTest

/// `tern parse`: LLM output on stdin, the value as JSON on stdout, or one line and exit 1.
final class ParseCommandTests: XCTestCase {
    func testRecoversJSONFromTypicalMistakes() throws {
        let r = try TernProcess.run(["parse"], stdin: "Sure! Here you go:\n```json\n{name: 'Ada', langs: ['en', 'fr',], active: True, // done\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "{\"active\":true,\"langs\":[\"en\",\"fr\"],\"name\":\"Ada\"}\n")
    }

    func testRecoversYAMLAndAppliesTheSchema() throws {
        let schema = temporaryPath("schema.json")
        try Data(#"{"type":"object","properties":{"title":{"type":"string"},"count":{"type":"integer"}},"required":["title","count"]}"#.utf8)
            .write(to: URL(fileURLWithPath: schema))
        let r = try TernProcess.run(["parse", "--format", "yaml", "--schema", schema], stdin: "title: Note: read this\ncount: \"3\"\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "{\"count\":3,\"title\":\"Note: read this\"}\n")

        let bad = try TernProcess.run(["parse", "--format", "yaml", "--schema", schema], stdin: "title: x\n")
        assertOneLineError(bad, "does not match the schema: /: missing required property \"count\"")
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stdout, "")
    }

    func testHopelessInputIsOneLineAndExitOne() throws {
        let r = try TernProcess.run(["parse"], stdin: "I am sorry, I cannot help with that.")
        assertOneLineError(r, "error: no JSON value found")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
    }
}
