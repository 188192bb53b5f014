import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TernGGUF
import TernLM
import TernStore
import XCTest

/// `tern serve` on the real default model, driven by the official `openai` Python package and by
/// Tern's own OpenAI client; every call lands in the trace store, and a killed server loses none
/// of the calls it had answered.
final class ServeTests: XCTestCase {
    /// A `tern serve` process on a free port with its own trace database.
    final class Server {
        let process = Process()
        let traces: String
        private(set) var port = 0
        var baseURL: String { "http://127.0.0.1:\(port)/v1" }

        init(traces: String, arguments: [String] = []) throws {
            self.traces = traces
            let log = traces + ".log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.executableURL = TernProcess.executable
            process.arguments = ["serve", "--port", "0", "--traces", traces] + arguments
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, process.isRunning {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let r = text.range(of: #"http://127\.0\.0\.1:(\d+)/v1"#, options: .regularExpression) {
                    port = Int(text[r].split(separator: ":").last!.split(separator: "/").first!)!
                    return
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw LMError.transport("tern serve did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }

        func stop(signal: Int32 = SIGTERM) {
            if process.isRunning { kill(process.processIdentifier, signal) }
            process.waitUntilExit()
        }
    }

    private var fixture: String {
        Bundle.module.url(forResource: "openai_client", withExtension: "py", subdirectory: "Fixtures")!.path
    }

    func testOpenAIPackageDrivesServeAndEveryCallIsTraced() throws {
        try PythonEnvironment().prepare(["openai"])  // before the server starts: the first run installs it
        let traces = temporaryPath("traces.sqlite")
        let server = try Server(traces: traces)
        let o = try PythonEnvironment().run([fixture, server.baseURL], requirements: ["openai"])
        server.stop()
        XCTAssertEqual(o.status, 0, o.stderr)
        let sent = try XCTUnwrap(try JSONDecoder().decode([String: [String]].self, from: Data(o.stdout.utf8))["sent"])

        let list = try TernProcess.run(["traces", "list", "--json", "--limit", "100", "--traces", traces])
        XCTAssertEqual(list.status, 0, list.stderr)
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        // One record per call that reached the model: chat, stream, logprobs, n=2, completion, json_schema.
        XCTAssertEqual(records.count, 6, list.stdout)
        let prompts = records.compactMap { $0["rendered_prompt"] as? String }
        for s in sent { XCTAssertTrue(prompts.contains { $0.contains(s) }, "\(s) not traced: \(prompts)") }
        // `show` prints the chat prompt exactly as the model saw it: template, special tokens, one BOS.
        let chat = try XCTUnwrap(records.first { ($0["rendered_prompt"] as? String)?.contains("Say yes.") == true })
        let show = try TernProcess.run(["traces", "show", "\(chat["id"] as! Int)", "--traces", traces])
        XCTAssertEqual(show.stdout, "<bos><start_of_turn>user\nSay yes.<end_of_turn>\n<start_of_turn>model\n")
    }

    func testTernsOwnClientAgainstServe() async throws {
        let server = try Server(traces: temporaryPath("traces.sqlite"))
        defer { server.stop() }
        let model = OpenAICompatibleModel(baseURL: server.baseURL, model: "gemma3-270m")
        // llama.cpp's greedy continuation (shared/reference greedy.jsonl).
        let c = try await model.complete("Question: What is 12 + 30?\nAnswer:",
                                         parameters: GenerationParameters(temperature: 0, maxTokens: 8, logprobs: true, topLogprobs: 2))
        XCTAssertEqual(c.text, " 12 + 30 =")
        XCTAssertEqual(c.usage.completionTokens, 8)
        XCTAssertEqual(c.choices[0].logprobs?.count, 8)
        XCTAssertEqual(c.choices[0].logprobs?.first?.top.count, 2)
        var streamed = ""
        for try await chunk in model.stream(CompletionRequest(.text("Question: What is 12 + 30?\nAnswer:"),
                                                              parameters: GenerationParameters(temperature: 0, maxTokens: 8))) {
            if case .text(_, let t, _) = chunk { streamed += t }
        }
        XCTAssertEqual(streamed, " 12 + 30 =")
        let v = try await model.embed(["hello", "world"])
        XCTAssertEqual(v.count, 2)
        XCTAssertEqual(v[0].count, 640)
        XCTAssertEqual(v[0].reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-3)
    }

    /// `--adapter NAME=FILE` serves the base with an adapter as a second model over the same weights:
    /// listed, answering under its own name, and changing the logprobs as its (random) adapter says.
    func testServesAnAdapterAsItsOwnModel() async throws {
        var w = GGUFWriter()
        w.add("general.architecture", .string("gemma3"))
        w.add("general.type", .string("adapter"))
        w.add("adapter.type", .string("lora"))
        w.add("adapter.lora.alpha", .float32(1))
        var seed: UInt64 = 7
        func noise(_ n: Int) -> [Float] {
            (0..<n).map { _ in seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: seed) >> 40) / Float(1 << 23) * 0.05 }
        }
        w.addTensor(name: "blk.3.ffn_down.weight.lora_a", shape: [2048, 1], floats: noise(2048))
        w.addTensor(name: "blk.3.ffn_down.weight.lora_b", shape: [1, 640], floats: noise(640))
        let adapter = temporaryPath("adapter.gguf")
        try w.write(to: adapter)
        let server = try Server(traces: temporaryPath("traces.sqlite"), arguments: ["--adapter", "tuned=" + adapter])
        defer { server.stop() }
        let parameters = GenerationParameters(temperature: 0, maxTokens: 1, logprobs: true, topLogprobs: 1)
        let base = try await OpenAICompatibleModel(baseURL: server.baseURL, model: "gemma3-270m").complete("The capital of France is", parameters: parameters)
        let tuned = try await OpenAICompatibleModel(baseURL: server.baseURL, model: "tuned").complete("The capital of France is", parameters: parameters)
        let b = try XCTUnwrap(base.choices[0].logprobs?.first?.logprob), t = try XCTUnwrap(tuned.choices[0].logprobs?.first?.logprob)
        XCTAssertNotEqual(b, t, accuracy: 1e-4)
        let (data, response) = try await URLSession.shared.data(from: URL(string: server.baseURL + "/models")!)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
        let body = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(body.contains("\"tuned\"") && body.contains("\"gemma3-270m\""), body)
    }

    /// A client that gives up on a non-streamed answer stops its generation: the call is traced as
    /// cancelled after about as long as the client waited, and the next request is served at once.
    func testClientLeavingCancelsItsGeneration() async throws {
        let traces = temporaryPath("traces.sqlite")
        let server = try Server(traces: traces)
        defer { server.stop() }
        let impatient = OpenAICompatibleModel(baseURL: server.baseURL, model: "gemma3-270m", timeout: .seconds(1), maxRetries: 0)
        do {
            _ = try await impatient.complete("Once upon a time", parameters: GenerationParameters(temperature: 0, maxTokens: 3000))
            XCTFail("3000 tokens do not fit in one second")
        } catch LMError.transport {}
        let next = OpenAICompatibleModel(baseURL: server.baseURL, model: "gemma3-270m")
        let started = Date()
        _ = try await next.complete("Hi", parameters: GenerationParameters(temperature: 0, maxTokens: 2))
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the abandoned generation no longer holds the engine")
        var abandoned: TraceRecord?
        for _ in 0..<20 where abandoned == nil {  // recorded by the abandoned request's own handler
            abandoned = try TraceStore(path: traces).calls(limit: 10).first { $0.messages.contains("Once upon a time") }
            if abandoned == nil { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        let record = try XCTUnwrap(abandoned)
        XCTAssertEqual(record.finishReason, "cancelled")
        XCTAssertLessThan(record.completionTokens ?? 3000, 3000)
        XCTAssertLessThan(record.latency ?? 99, 5)
    }

    /// A server killed (SIGKILL) in the middle of a generation has committed every call it had
    /// answered, and its database passes SQLite's integrity check.
    func testKilledServerLosesNoAnsweredCallAndLeavesDatabaseIntact() async throws {
        let traces = temporaryPath("traces.sqlite")
        let server = try Server(traces: traces)
        let model = OpenAICompatibleModel(baseURL: server.baseURL, model: "gemma3-270m", maxRetries: 0)
        var answered: [String] = []
        for i in 0..<4 {
            let c = try await model.complete("Item \(i):", parameters: GenerationParameters(temperature: 0, maxTokens: 4))
            answered.append(c.text)
        }
        var got = 0
        do {
            for try await chunk in model.stream(CompletionRequest(.text("Once upon a time"),
                                                                  parameters: GenerationParameters(temperature: 0, maxTokens: 1000))) {
                guard case .text = chunk else { continue }
                got += 1
                if got == 5 { server.stop(signal: SIGKILL) }  // mid-generation, the stream still open
            }
        } catch {}  // the connection dies with the server
        XCTAssertEqual(got, 5)
        XCTAssertEqual(server.process.terminationReason, .uncaughtSignal)
        let store = try TraceStore(path: traces)
        XCTAssertEqual(try store.integrityCheck(), "ok")
        let calls = try store.calls(limit: 100)
        XCTAssertEqual(calls.count, 4, "the four answered calls, not the killed one")
        XCTAssertEqual(Set(calls.compactMap(\.output)), Set(answered))
    }
}
