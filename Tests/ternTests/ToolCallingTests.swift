import Foundation
import TernStore
import XCTest

/// Function calling on `tern serve` with the real default model and Tern's instruction adapter,
/// driven by the official `openai` package (Fixtures/openai_tools.py lists the checks): required,
/// named and parallel calls that parse and validate, streamed deltas that reassemble into the
/// whole answer's call, tool_choice none, a tool's result sent back, an unenforceable schema
/// refused with a 400 naming the field.
final class ToolCallingTests: XCTestCase {
    func testOpenAIPackageCallsToolsOnServe() throws {
        try PythonEnvironment().prepare(["openai"])
        let server = try ServeTests.Server(traces: temporaryPath("traces.sqlite"), arguments: ["--model", "gemma3-270m-it"])
        defer { server.stop() }
        let script = Bundle.module.url(forResource: "openai_tools", withExtension: "py", subdirectory: "Fixtures")!.path
        let o = try PythonEnvironment().run([script, server.baseURL], requirements: ["openai"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let seen = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any], o.stdout)
        XCTAssertEqual((seen["named"] as? [String: Any])?.keys.sorted(), ["city"])
        XCTAssertGreaterThanOrEqual((seen["parallel"] as? [Any])?.count ?? 0, 1)

        // Every call is traced with its calls in the stored choices.
        let list = try TernProcess.run(["traces", "list", "--json", "--limit", "100", "--traces", server.traces])
        XCTAssertTrue(list.stdout.contains("tool_calls") || list.stdout.contains("toolCalls"), list.stdout.prefix(2000).description)
    }
}
