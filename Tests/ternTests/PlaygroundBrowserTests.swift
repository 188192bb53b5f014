import Foundation
import TernLM
import TernStore
import XCTest

/// The playground in a real headless Chromium (Debian's chromium and chromium-driver, driven by
/// selenium) against a real `tern serve --api-key` on the default model with Tern's instruction adapter (gemma3-270m-it): the key dialog, a slider
/// that changes the visible prompt and streams a new generation, a token alternative that
/// regenerates from its place, keyboard access, the entropy chart and forking paths, an A/B
/// comparison judged both ways, `<script>` in model output shown as text, a trace searched and
/// opened to its exact prompt, the models, a phone-width screen and an unreachable server.
/// The script (Fixtures/playground_browser.py) lists each check.
///
/// Screenshots go to `$TERN_PLAYGROUND_SCREENSHOTS` (docs/PLAYGROUND.md's are taken with
/// `TERN_PLAYGROUND_SCREENSHOTS=docs/playground`), else to a temporary folder.
final class PlaygroundBrowserTests: XCTestCase {
    func testPlaygroundInAHeadlessBrowser() throws {
        try DebianPackages.ensure(["chromium", "chromium-driver"], providing: ["/usr/bin/chromium", "/usr/bin/chromedriver"])
        try PythonEnvironment().prepare(["selenium"])
        // An evaluation as `Evaluate` stores it, for the traces view to list.
        let traces = temporaryPath("traces.sqlite")
        _ = try TraceStore(path: traces).record(EvaluationRecord(spanID: nil, name: "arithmetic (seeded)", model: "gemma3-270m-it",
                                                                 startedAt: Date().timeIntervalSince1970, score: 62.5, examples: 8,
                                                                 calls: 8, rows: "[]"))
        let server = try ServeTests.Server(traces: traces, arguments: ["--api-key", "secret", "--model", "gemma3-270m-it"])
        defer { server.stop() }
        let script = Bundle.module.url(forResource: "playground_browser", withExtension: "py", subdirectory: "Fixtures")!.path
        let shots = ProcessInfo.processInfo.environment["TERN_PLAYGROUND_SCREENSHOTS"] ?? temporaryPath("screenshots")
        let o = try PythonEnvironment().run([script, "http://127.0.0.1:\(server.port)", "secret", shots], requirements: ["selenium"])
        XCTAssertEqual(o.status, 0, o.stderr + "\n(screenshots in \(shots))")
        let seen = try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any]
        XCTAssertTrue((seen?["verdict"] as? String)?.hasPrefix("Verdict: ") == true, o.stdout)
        for view in ["compose-desktop", "compare-desktop", "traces-desktop", "traces-span-desktop", "models-desktop", "compose-phone", "compare-phone", "traces-phone", "models-phone"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(shots)/\(view).png"), view)
        }
    }
}
