import Foundation
import TernLM
import TernStore

/// Runs a suite's matrix, prompts × providers × cases × repeats, and checks every output.
///
/// Requests go to each provider `concurrency` at a time as one batch (the local engine decodes a
/// batch together; a remote server gets them in parallel). Each request carries a rollout id made
/// from its case's variables and repeat (`eval-<hash>-r<k>`), so with a `TracedModel` every call
/// in the trace store names its case, and the store's response cache answers a request it has
/// seen (same model, prompt, settings, case and repeat) without calling the model again.
///
///     let runner = SuiteRunner(suite: suite, graders: graders) { spec in try load(spec) }
///     let results = try await runner.run()
public struct SuiteRunner: Sendable {
    public let suite: Suite
    public var repeats = 1
    public var concurrency = 4
    public var graders: Graders
    /// The model behind a provider (the CLI loads local models, points at URLs, adds tracing).
    public let makeModel: @Sendable (Suite.ProviderSpec) async throws -> any LanguageModel

    public init(suite: Suite, graders: Graders, makeModel: @escaping @Sendable (Suite.ProviderSpec) async throws -> any LanguageModel) {
        self.suite = suite
        self.graders = graders
        self.makeModel = makeModel
    }

    struct Item {
        var prompt: Suite.PromptTemplate
        var caseIndex: Int
        var repeatIndex: Int
    }

    /// `progress(done, percent passed so far)` after each batch.
    public func run(progress: @Sendable (Int, Double) -> Void = { _, _ in }) async throws -> SuiteResults {
        let started = Date()
        var items: [Item] = []
        for p in suite.prompts { for c in suite.cases.indices { for r in 0..<max(1, repeats) { items.append(Item(prompt: p, caseIndex: c, repeatIndex: r)) } } }
        var rows: [SuiteResults.Row] = [], done = 0
        for spec in suite.providers {
            let model = try await makeModel(spec)
            var graders = self.graders
            graders.provider = model
            let parameters = try Suite.parameters(spec.parameters, over: suite.parameters, name: spec.id)
            for start in stride(from: 0, to: items.count, by: max(1, concurrency)) {
                let batch = Array(items[start..<min(start + max(1, concurrency), items.count)])
                let requests = batch.map { item -> CompletionRequest in
                    let c = suite.cases[item.caseIndex]
                    var p = parameters
                    if item.repeatIndex > 0 { p.seed = (p.seed ?? 0) &+ UInt64(item.repeatIndex) }
                    let messages = item.prompt.messages.map { Message(role: $0.role, content: Suite.render($0.content, c.vars)) }
                    return CompletionRequest(.chat(messages), parameters: p, rolloutID: Self.rolloutID(c, repeat: item.repeatIndex))
                }
                let outcomes: [Result<Completion, Error>]
                do {
                    outcomes = try await model.complete(batch: requests).map { .success($0) }
                } catch {
                    // One bad request should not hide the others: ask again one at a time.
                    var each: [Result<Completion, Error>] = []
                    for r in requests { do { each.append(.success(try await model.complete(r))) } catch let e { each.append(.failure(e)) } }
                    outcomes = each
                }
                for (item, (request, outcome)) in zip(batch, zip(requests, outcomes)) {
                    rows.append(try await check(item, spec: spec, request: request, outcome: outcome, graders: graders))
                }
                done += batch.count
                progress(done, 100 * Double(rows.filter(\.passed).count) / Double(max(1, rows.count)))
            }
        }
        return SuiteResults(description: suite.description, started: started.timeIntervalSince1970,
                            seconds: Date().timeIntervalSince(started), prompts: suite.prompts.map(\.id),
                            providers: suite.providers.map(\.id), repeats: max(1, repeats), rows: rows)
    }

    func check(_ item: Item, spec: Suite.ProviderSpec, request: CompletionRequest, outcome: Result<Completion, Error>,
               graders: Graders) async throws -> SuiteResults.Row {
        let c = suite.cases[item.caseIndex]
        guard case .chat(let messages) = request.prompt else { preconditionFailure("suite prompts are chats") }
        var row = SuiteResults.Row(prompt: item.prompt.id, provider: spec.id, caseIndex: item.caseIndex, description: c.description,
                                   vars: c.vars, repeatIndex: item.repeatIndex, rolloutID: request.rolloutID ?? "",
                                   output: "", outcomes: [], score: 0, passed: false)
        let completion: Completion
        switch outcome {
        case .failure(let e):
            row.error = "\(e)"
            return row
        case .success(let done): completion = done
        }
        let output = Output(text: completion.text, question: messages.last(where: { $0.role == .user })?.content ?? "",
                            messages: messages, latencyMs: completion.latency.seconds * 1000,
                            promptTokens: completion.usage.promptTokens, completionTokens: completion.usage.completionTokens,
                            cost: Double(completion.usage.totalTokens) / 1000 * spec.costPer1kTokens)
        row.output = output.text
        row.latencyMs = output.latencyMs
        row.tokens = output.completionTokens
        for a in c.assertions {
            do {
                row.outcomes.append(try await a.check(output, vars: c.vars, graders: graders))
            } catch {
                row.outcomes.append(Assertion.Outcome(assertion: a.name, passed: false, score: 0, reason: "error: \(error)", weight: a.weight))
            }
        }
        let weight = row.outcomes.reduce(0) { $0 + $1.weight }
        row.score = weight > 0 ? row.outcomes.reduce(0) { $0 + $1.weight * $1.score } / weight : 0
        if let threshold = c.threshold {
            row.passed = row.score >= threshold
        } else {
            row.passed = row.outcomes.allSatisfy { $0.passed || $0.weight == 0 }
        }
        return row
    }

    /// The case's identity in the trace store and the response cache: its variables and repeat.
    static func rolloutID(_ c: Suite.TestCase, repeat r: Int) -> String {
        let key = c.vars.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }.joined(separator: "\u{1}") + "\u{2}" + c.description
        return "eval-" + SHA256.hash(Array(key.utf8)).hex.prefix(12) + "-r\(r)"
    }
}
