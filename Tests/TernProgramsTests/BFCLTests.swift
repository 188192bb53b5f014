import Foundation
import TernLM
import TernPrograms
import XCTest

/// BFCL's AST match on hand-made cases, and its question and answer files read.
final class BFCLTests: XCTestCase {
    let area = ToolDefinition(name: "area", parameters: BFCL.jsonSchema([
        "type": "dict", "required": ["base", "height"],
        "properties": ["base": ["type": "integer"], "height": ["type": "float"], "unit": ["type": "string"]]]))
    let truth: [(name: String, parameters: [String: [JSONValue]])] = [("area", ["base": [10], "height": [5], "unit": ["cm", ""]])]

    func call(_ name: String, _ arguments: String) -> (name: String, arguments: String) { (name, arguments) }

    func testSimpleCallsMatchByNameParametersAndValues() {
        func ok(_ calls: [(name: String, arguments: String)]) -> Bool { BFCL.matches(calls, truth, functions: [area]) }
        XCTAssertTrue(ok([call("area", #"{"base": 10, "height": 5}"#)]), "an optional parameter may be left out")
        XCTAssertTrue(ok([call("area", #"{"base": 10, "height": 5.0, "unit": "CM"}"#)]), "numbers by value, strings normalised")
        XCTAssertFalse(ok([call("area", #"{"base": 10}"#)]), "a required parameter missing")
        XCTAssertFalse(ok([call("area", #"{"base": 10, "height": 5, "colour": "red"}"#)]), "an unknown parameter")
        XCTAssertFalse(ok([call("area", #"{"base": 11, "height": 5}"#)]), "a wrong value")
        XCTAssertFalse(ok([call("area", #"{"base": "10", "height": 5}"#)]), "a string is not a number")
        XCTAssertFalse(ok([call("volume", #"{"base": 10, "height": 5}"#)]), "a wrong function")
        XCTAssertFalse(ok([]), "no call")
        XCTAssertFalse(ok([call("area", #"{"base": 10, "height": 5}"#), call("area", #"{"base": 10, "height": 5}"#)]), "one call too many")
        XCTAssertFalse(ok([call("area", "not json")]))
    }

    func testParallelCallsMatchInAnyOrderEachOnce() {
        let truth: [(name: String, parameters: [String: [JSONValue]])] = [("area", ["base": [1], "height": [2]]), ("area", ["base": [3], "height": [4]])]
        let a = call("area", #"{"base": 1, "height": 2}"#), b = call("area", #"{"base": 3, "height": 4}"#)
        XCTAssertTrue(BFCL.matches([b, a], truth, functions: [area]))
        XCTAssertFalse(BFCL.matches([a, a], truth, functions: [area]), "one call cannot answer two")
    }

    func testStringsListsAndNestedObjects() {
        let tool = ToolDefinition(name: "f", parameters: ["type": "object", "properties": [:]])
        let truth: [(name: String, parameters: [String: [JSONValue]])] = [("f", ["city": ["New York, NY"], "tags": [["a", "b"]], "opts": [["mode": ["fast"]]]])]
        XCTAssertTrue(BFCL.matches([call("f", #"{"city": "new york ny", "tags": ["A", "b"], "opts": {"mode": "Fast"}}"#)], truth, functions: [tool]))
        XCTAssertFalse(BFCL.matches([call("f", #"{"city": "Boston", "tags": ["a", "b"], "opts": {"mode": "fast"}}"#)], truth, functions: [tool]))
        XCTAssertFalse(BFCL.matches([call("f", #"{"city": "new york", "tags": ["b", "a"], "opts": {"mode": "fast"}}"#)], truth, functions: [tool]))
    }

    func testIrrelevanceIsRightWithoutACall() {
        XCTAssertTrue(BFCL.matches([], nil, functions: [area]))
        XCTAssertFalse(BFCL.matches([call("area", #"{"base": 1, "height": 1}"#)], nil, functions: [area]))
    }

    func testSchemasInBFCLsTypesBecomeJSONSchema() throws {
        let schema = BFCL.jsonSchema(["type": "dict", "properties": ["x": ["type": "float"], "xs": ["type": "tuple", "items": ["type": "float"]],
                                                                     "any": ["type": "any"], "o": ["type": "dict", "optional": true, "properties": [:]]]])
        XCTAssertEqual(schema["type"], "object")
        XCTAssertEqual(schema["properties"]?["x"]?["type"], "number")
        XCTAssertEqual(schema["properties"]?["xs"]?["type"], "array")
        XCTAssertEqual(schema["properties"]?["xs"]?["items"]?["type"], "number")
        XCTAssertNil(schema["properties"]?["any"]?["type"])
        XCTAssertNil(schema["properties"]?["o"]?["optional"])
        XCTAssertNoThrow(try JSONGrammar(schema: schema))
    }

    func testFilesAreRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bfcl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"id": "parallel_0", "question": [[{"role": "user", "content": "Two areas"}]], "function": [{"name": "area", "description": "d", "parameters": {"type": "dict", "properties": {"base": {"type": "integer"}}, "required": ["base"]}}]}"#
            .write(to: dir.appendingPathComponent("parallel.jsonl"), atomically: true, encoding: .utf8)
        try #"{"id": "parallel_0", "ground_truth": [{"area": {"base": [1]}}, {"area": {"base": [2, 3]}}]}"#
            .write(to: dir.appendingPathComponent("parallel.answers.jsonl"), atomically: true, encoding: .utf8)
        let entries = try BFCL.load(category: "parallel", from: dir.path)
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries[0].messages, [.user("Two areas")])
        XCTAssertEqual(entries[0].tools[0].parameters["type"], "object")
        XCTAssertEqual(entries[0].answer?.map(\.name), ["area", "area"])
        XCTAssertEqual(entries[0].answer?[1].parameters["base"], [2, 3])
        XCTAssertThrowsError(try BFCL.load(category: "multiple", from: dir.path)) {
            XCTAssertTrue("\($0)".contains("pass --data"), "\($0)")
        }
    }
}
