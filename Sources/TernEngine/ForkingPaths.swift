import Foundation

/// Forking-paths analysis, after Bigelow et al., "Forking Paths in Neural Text Generation" (2024):
/// take one path of generated text, resample K continuations at every token position, read each
/// continuation's outcome (an answer), and watch the outcome distribution along the path. A
/// forking token is one after which that distribution shifts sharply.
///
/// Every resample forks from the path's prefix, which the session already holds (each position
/// adds one token to the cache), so the cost grows with K × the remaining length, not K × the
/// whole length.
///
///     let report = try ForkingPaths(session: session).run(prompt: ids, options: .init(samples: 8)) { text in
///         text.range(of: #"\d+"#, options: .regularExpression).map { String(text[$0]) }
///     }
public struct ForkingPaths {
    public struct Options: Sendable {
        /// K continuations resampled at each position.
        public var samples = 8
        /// Tokens in the base path.
        public var maxTokens = 48
        /// Tokens a continuation may run beyond the base path's remaining length.
        public var slack = 16
        /// Temperature of the resamples (1: the model's own distribution).
        public var temperature: Float = 1
        /// nil: the base path is greedy; else sampled at `temperature` from this seed.
        public var baseSeed: UInt64?
        /// A base path given as tokens (an output already generated), instead of generating one.
        public var basePath: [Int]?
        public var seed: UInt64 = 1
        public var stop: [String] = []
        /// A total-variation shift at least this large between neighbouring positions marks a forking token.
        public var threshold = 0.5
        public init(samples: Int = 8, maxTokens: Int = 48) {
            self.samples = samples
            self.maxTokens = maxTokens
        }
    }

    /// One position of the base path: the outcome distribution when everything from this token on
    /// is resampled.
    public struct Position: Sendable, Codable {
        public var index: Int
        /// The base path's token at this position.
        public var token: String
        public var tokenID: Int
        /// Entropy (nats) of the model's next-token distribution here.
        public var entropy: Double
        /// Outcome → share of the K continuations ("(none)" when the answer pattern did not match).
        public var outcomes: [String: Double]
        /// The share that reached the base path's own outcome.
        public var baseOutcomeProbability: Double
        /// Total-variation distance to the next position's distribution (the last one's: to the
        /// base path's outcome), i.e. how much choosing this token moved the outcome.
        public var shift: Double
    }

    public struct Report: Sendable, Codable {
        public var baseText: String
        public var baseOutcome: String
        public var positions: [Position]
        /// Indices of the forking tokens, in order.
        public var forkingTokens: [Int]
        public var samples: Int
        public var generatedTokens: Int
        /// Prompt tokens evaluated for the whole analysis (the prompt once, then about two per position).
        public var evaluatedPromptTokens: Int
        public var seconds: Double
    }

    public static let none = "(none)"

    public let session: Session
    public init(session: Session) { self.session = session }

    /// `outcome` reads the answer from the generated text (base path prefix plus continuation).
    public func run(prompt: [Int], options: Options, outcome: (String) -> String?) throws -> Report {
        let started = Date()
        let tokenizer = session.tokenizer
        var base = GenerationOptions(maxTokens: options.maxTokens, stop: options.stop)
        base.sampling.temperature = options.baseSeed == nil ? 0 : options.temperature
        base.sampling.seed = options.baseSeed
        let path: (ids: [Int], text: String)
        var evaluated = 0, generated = 0
        if let given = options.basePath {
            path = (given, tokenizer.decode(given, renderSpecial: false))
        } else {
            let r = try Generator(session: session).generate(tokens: prompt, options: base)
            path = (r.ids, r.text)
            evaluated = r.promptTokens.count - r.reusedPromptTokens
            generated = r.ids.count
        }
        let baseOutcome = outcome(path.text) ?? Self.none

        var positions: [Position] = []
        let forks = ForkedGenerator(session: session)
        for t in 0..<path.ids.count {
            let prefix = prompt + path.ids[..<t]
            var h = 0.0
            evaluated += try forks.lastLogits(of: [prefix]) { _, logits in h = entropy(logits) }
            let resample = (0..<options.samples).map { i -> GenerationOptions in
                var o = GenerationOptions(maxTokens: path.ids.count - t + options.slack, stop: options.stop)
                o.sampling.temperature = options.temperature
                o.sampling.seed = options.seed &+ UInt64(t * options.samples + i)
                return o
            }
            let results = try forks.generate(tokens: prefix, options: resample)
            evaluated += results.reduce(0) { $0 + $1.promptTokens.count - $1.reusedPromptTokens }
            generated += results.reduce(0) { $0 + $1.ids.count }
            // The text so far is decoded whole, so a character split across tokens stays intact.
            let head = tokenizer.decode(Array(path.ids[..<t]), renderSpecial: false)
            var counts: [String: Double] = [:]
            for r in results { counts[outcome(head + r.text) ?? Self.none, default: 0] += 1 }
            let outcomes = counts.mapValues { $0 / Double(results.count) }
            positions.append(Position(index: t, token: tokenizer.decode([path.ids[t]], renderSpecial: true), tokenID: path.ids[t],
                                      entropy: h, outcomes: outcomes, baseOutcomeProbability: outcomes[baseOutcome] ?? 0, shift: 0))
        }
        for t in positions.indices {
            let next = t + 1 < positions.count ? positions[t + 1].outcomes : [baseOutcome: 1]
            positions[t].shift = Self.totalVariation(positions[t].outcomes, next)
        }
        return Report(baseText: path.text, baseOutcome: baseOutcome, positions: positions,
                      forkingTokens: positions.filter { $0.shift >= options.threshold }.map(\.index),
                      samples: options.samples, generatedTokens: generated, evaluatedPromptTokens: evaluated,
                      seconds: Date().timeIntervalSince(started))
    }

    /// ½ Σ |p(o) − q(o)| over all outcomes.
    package static func totalVariation(_ p: [String: Double], _ q: [String: Double]) -> Double {
        Set(p.keys).union(q.keys).reduce(0) { $0 + abs((p[$1] ?? 0) - (q[$1] ?? 0)) } / 2
    }
}
