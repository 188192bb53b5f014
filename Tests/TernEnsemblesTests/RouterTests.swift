import Foundation
import XCTest
import TernEnsembles
import TernLM

/// RoRF labels, threshold calibration, the cost-quality curve and APGR by hand, and a router in
/// front of scripted models on embeddings that separate the prompts by construction.
final class RouterTests: XCTestCase {
    func testLabelsFollowRoRF() {
        XCTAssertEqual(RoutingLabel(weak: 0, strong: 0), .neither)
        XCTAssertEqual(RoutingLabel(weak: 1, strong: 0), .weakWins)
        XCTAssertEqual(RoutingLabel(weak: 0.2, strong: 0.9), .strongWins)
        XCTAssertEqual(RoutingLabel(weak: 1, strong: 1), .both)
    }

    func testThresholdForShare() {
        let sorted = [0.1, 0.2, 0.3, 0.4]
        XCTAssertEqual(RoRFRouter.threshold(forShare: 0.5, among: sorted), 0.25, accuracy: 1e-12, "two of four above")
        XCTAssertEqual(RoRFRouter.threshold(forShare: 0.25, among: sorted), 0.35, accuracy: 1e-12)
        XCTAssertEqual(RoRFRouter.threshold(forShare: 0, among: sorted), 1)
        XCTAssertEqual(RoRFRouter.threshold(forShare: 1, among: sorted), -1)
    }

    /// The cost-quality curve and APGR on four prompts, by hand.
    func testCurveAndAPGRByHand() {
        let examples = [RoutingExample(prompt: "0", weak: 0, strong: 1), .init(prompt: "1", weak: 1, strong: 1),
                        .init(prompt: "2", weak: 1, strong: 0), .init(prompt: "3", weak: 0, strong: 0)]
        // Strong right on 0 and 1, weak on 1 and 2: equal quality, so no gap to recover (PGR 0),
        // though routing prompt 0 alone to the strong model beats both.
        let noGap = RouterEvaluation(preferStrong: [0.9, 0.5, 0.1, 0.3], examples: examples)
        XCTAssertEqual(noGap.weakQuality, 0.5)
        XCTAssertEqual(noGap.strongQuality, 0.5)
        XCTAssertEqual(noGap.quality(strongCount: 1), 0.75)
        XCTAssertEqual(noGap.apgr(), 0)

        // With a gap: weak right on 1 only, strong on 0, 1, 2.
        let gap = [RoutingExample(prompt: "0", weak: 0, strong: 1), .init(prompt: "1", weak: 1, strong: 1),
                   .init(prompt: "2", weak: 0, strong: 1), .init(prompt: "3", weak: 0, strong: 0)]
        let e = RouterEvaluation(preferStrong: [0.9, 0.2, 0.8, 0.1], examples: gap)
        // Shares 0, ¼, ½, ¾, 1 → quality ¼, ½, ¾, ¾, ¾ → PGR 0, ½, 1, 1, 1.
        XCTAssertEqual(e.curve(steps: 4).map(\.pgr), [0, 0.5, 1, 1, 1])
        // Trapezoids: (0 + ½)/2·¼ + (½ + 1)/2·¼ + ¼ + ¼ = 1/16 + 3/16 + 8/16 = 0.75.
        XCTAssertEqual(e.apgr(steps: 4), 0.75, accuracy: 1e-12)
        // The reverse order routes the useless prompts first.
        XCTAssertLessThan(RouterEvaluation(preferStrong: [0.1, 0.8, 0.2, 0.9], examples: gap).apgr(steps: 4), 0.5)
    }

    /// Embeddings whose first coordinate says whether only the strong model gets the prompt right:
    /// the trained router sends exactly those to the strong model, and says so in its name.
    func testRouterModelSendsHardPromptsToTheStrongModel() async throws {
        let hard = (0..<20).map { "hard \($0)" }, easy = (0..<20).map { "easy \($0)" }
        let examples = hard.map { RoutingExample(prompt: $0, weak: 0, strong: 1) } + easy.map { RoutingExample(prompt: $0, weak: 1, strong: 1) }
        let vector: @Sendable (String) -> [Float] = { [$0.hasPrefix("hard") ? 1 : 0, Float($0.count % 3)] }
        let router = RoRFRouter.train(examples: examples, embeddings: examples.map { vector($0.prompt) }, embeddingModel: "emb",
                                      weak: "small", strong: "large", parameters: .init(trees: 10, seed: 1))
        let model = RouterModel(router: router, weak: ScriptedModel(name: "small") { _ in "weak answer" },
                                strong: ScriptedModel(name: "large") { _ in "strong answer" },
                                embedder: RuleEmbedder(vector), threshold: router.threshold(forShare: 0.5))
        XCTAssertTrue(model.name.hasPrefix("router:small,large@"))
        let hardAnswer = try await model.complete("hard 7"), easyAnswer = try await model.complete("easy 3")
        XCTAssertEqual(hardAnswer.text, "strong answer")
        XCTAssertEqual(easyAnswer.text, "weak answer")
        XCTAssertEqual(hardAnswer.model, model.name)
    }
}

/// Embeds each text with a fixed function.
struct RuleEmbedder: LanguageModel {
    let rule: @Sendable (String) -> [Float]
    init(_ rule: @escaping @Sendable (String) -> [Float]) { self.rule = rule }
    var name: String { "rule-embedder" }
    var backend: String { "test" }
    var capabilities: ModelCapabilities { [] }
    func complete(_ request: CompletionRequest) async throws -> Completion { throw LMError.unsupported("complete") }
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, Error> { streamByCompleting(request) }
    func score(_ prompt: Prompt, continuation: String) async throws -> Score { throw LMError.unsupported("score") }
    func embed(_ texts: [String]) async throws -> [[Float]] { texts.map(rule) }
}
