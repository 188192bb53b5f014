import Foundation
import XCTest
import TernEnsembles
import TernLM

/// Mixture-of-Agents with scripted proposers whose answers tell which layer and references they
/// saw, so the right flow is known by construction.
final class MixtureOfAgentsTests: XCTestCase {
    /// A proposer that answers "<name>(<references it was shown>)".
    func proposer(_ name: String) -> ScriptedModel {
        ScriptedModel(name: name) { request in
            let all = request.prompt.messages.map(\.content).joined(separator: "\n")
            let refs = all.split(separator: "\n").filter { $0.hasPrefix("Response ") }.count
            let seen = all.split(separator: "\n").filter { !$0.hasPrefix("Response ") && $0.contains("(") }.joined(separator: "+")
            return refs == 0 ? "\(name)()" : "\(name)(\(seen))"
        }
    }

    func testLayersSeeThePreviousLayerAndTheAggregatorTheLast() async throws {
        let a = proposer("a"), b = proposer("b"), c = proposer("c"), agg = proposer("agg")
        let moa = MixtureOfAgents(name: "moa", layers: [[.init(a), .init(b)], [.init(c), .init(a, temperature: 0.3)]], aggregator: agg)
        let answer = try await moa.chat([.system("Be brief."), .user("Q?")])
        // Layer 1 sees nothing; layer 2 sees "a()" and "b()"; the aggregator sees layer 2's answers.
        XCTAssertEqual(answer.text, "agg(c(a()+b())+a(a()+b()))")
        XCTAssertEqual(answer.model, "moa")
        XCTAssertEqual(a.requests.count, 2)
        XCTAssertEqual(a.requests[1].parameters.temperature, 0.3)
        // References join the chat's own system message; the user turn is untouched.
        let last = agg.requests[0].prompt.messages
        XCTAssertEqual(last.count, 2)
        XCTAssertTrue(last[0].content.hasPrefix("Be brief.\n\n" + MixtureOfAgents.aggregationInstructions))
        XCTAssertEqual(last[1], .user("Q?"))
        // Usage adds up every call: 2 + 2 proposals and the aggregation, one word each.
        XCTAssertEqual(answer.usage.completionTokens, 5)
    }

    func testSelfMoASamplesOneModelAndRunsProposersConcurrently() async throws {
        let model = BarrierModel(proposals: 4)
        let moa = MixtureOfAgents.selfMoA(name: "self-moa", model: model, samples: 4, temperature: 0.9)
        let answer = try await moa.complete(CompletionRequest(.text("Q?"), parameters: GenerationParameters(seed: 5)))
        XCTAssertEqual(answer.text, "final")
        let requests = await model.log.requests
        let proposals = requests.dropLast()
        XCTAssertEqual(Set(proposals.map(\.rolloutID)), ["moa-0-0", "moa-0-1", "moa-0-2", "moa-0-3"])
        XCTAssertEqual(Set(proposals.compactMap(\.parameters.seed)).count, 4, "each sample its own seed")
        XCTAssertTrue(proposals.allSatisfy { $0.parameters.temperature == 0.9 })
        guard case .text(let final) = requests.last!.prompt else { return XCTFail("a text prompt stays text") }
        XCTAssertTrue(final.hasSuffix("\n\nQ?"))
        for i in 0..<4 { XCTAssertTrue(final.contains("Response \(i + 1):\nproposal moa-0-"), final) }
    }

    func testTheTreeNestsUnderOneSpan() async throws {
        let dir = NSTemporaryDirectory() + "tern-moa-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TraceStore(path: dir + "/traces.sqlite")
        let m = TracedModel(proposer("m"), store: store)
        let moa = MixtureOfAgents(name: "moa", layers: [[.init(m), .init(m)], [.init(m)]], aggregator: m)
        _ = try await moa.complete(CompletionRequest(.text("Q?")))
        let roots = try store.spans(under: nil)
        XCTAssertEqual(roots.map(\.name), ["moa"])
        let layers = try store.spans(under: roots[0].spanID)
        XCTAssertEqual(layers.map(\.name), ["layer 1", "layer 2"])
        XCTAssertEqual(try store.calls(under: layers[0].spanID).count, 2)
        XCTAssertEqual(try store.calls(under: layers[1].spanID).count, 1)
        XCTAssertEqual(try store.calls(under: roots[0].spanID).count, 1, "the aggregation")
    }
}

/// A model whose proposals each wait until `proposals` of them have arrived: only concurrent
/// proposers get answers ("proposal <rollout id>"); a sequential caller would time out.
final class BarrierModel: LanguageModel {
    actor Log {
        var requests: [CompletionRequest] = []
        func add(_ r: CompletionRequest) -> Int { requests.append(r); return requests.count }
        var count: Int { requests.count }
    }
    let name = "barrier", backend = "test"
    var capabilities: ModelCapabilities { [] }
    let proposals: Int
    let log = Log()
    init(proposals: Int) { self.proposals = proposals }

    func complete(_ request: CompletionRequest) async throws -> Completion {
        let n = await log.add(request)
        let text: String
        if n > proposals {
            text = "final"
        } else {
            let deadline = Date().addingTimeInterval(10)
            while await log.count < proposals && Date() < deadline { try await Task.sleep(nanoseconds: 1_000_000) }
            text = await log.count >= proposals ? "proposal \(request.rolloutID ?? "")" : "timed out"
        }
        return Completion(model: name, choices: [Choice(text: text, finishReason: .stop)], usage: Usage(promptTokens: 1, completionTokens: 1),
                          latency: Latency(seconds: 0, timeToFirstToken: nil), renderedPrompt: nil)
    }
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> { streamByCompleting(request) }
    func score(_ prompt: Prompt, continuation: String) async throws -> Score { throw LMError.unsupported("score") }
    func embed(_ texts: [String]) async throws -> [[Float]] { throw LMError.unsupported("embed") }
}
