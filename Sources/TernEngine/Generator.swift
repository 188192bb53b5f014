import Foundation
import TernTokenizers

/// What to generate and when to stop.
public struct GenerationOptions: Sendable {
    public var maxTokens: Int = 128
    public var stop: [String] = []
    public var ignoreEOS = false
    /// How many top log-probabilities to report per generated token (0: none).
    public var logprobs = 0
    public var sampling = SamplingParameters()
    /// Restricts which tokens may come next (constrained decoding), when set.
    public var constraint: (any TokenConstraint)?

    public init(maxTokens: Int = 128, stop: [String] = [], ignoreEOS: Bool = false, logprobs: Int = 0,
                sampling: SamplingParameters = SamplingParameters(), constraint: (any TokenConstraint)? = nil) {
        self.maxTokens = maxTokens
        self.stop = stop
        self.ignoreEOS = ignoreEOS
        self.logprobs = logprobs
        self.sampling = sampling
        self.constraint = constraint
    }
}

public enum FinishReason: String, Sendable { case stop, length, cancelled }

public struct GenerationResult: Sendable {
    public var promptTokens: [Int] = []
    /// Leading prompt tokens this sequence did not evaluate: still cached from the previous request,
    /// or (for all but the first of forked sequences) evaluated once for all of them.
    public var reusedPromptTokens = 0
    public var ids: [Int] = []
    public var text = ""
    /// With `logprobs` > 0: each generated token's log-probability, and the most likely ones.
    public var logprobs: [Double] = []
    public var topLogprobs: [[(id: Int, logprob: Double)]] = []
    public var finishReason = FinishReason.length
    /// The end-of-generation token that ended the sequence (in neither `ids` nor `text`) and,
    /// with `logprobs` > 0, its log-probability: a policy-gradient step trains it too.
    public var endToken: Int?
    public var endLogprob: Double?
    /// The stop string that ended generation, if one did (finish reason `.stop` without it means EOS).
    public var stopSequence: String?
    public var promptSeconds: Double = 0
    public var generationSeconds: Double = 0
    public var tokensPerSecond: Double { generationSeconds > 0 ? Double(ids.count) / generationSeconds : 0 }
}

/// Prefills a prompt, then samples one token at a time until EOS, a stop string or `maxTokens`.
///
///     let gen = Generator(session: session)
///     let result = try gen.generate("The capital of France is", options: .init(maxTokens: 32)) { print($0, terminator: "") }
public struct Generator {
    public let session: Session

    public init(session: Session) { self.session = session }

    /// `onText` receives text as soon as it is final: complete UTF-8, and not possibly the start of a
    /// stop string.
    public func generate(_ prompt: String, options: GenerationOptions,
                         onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        try generate(tokens: session.tokenizer.encode(prompt, addSpecial: true, parseSpecial: true),
                     options: options, onText: onText)
    }

    /// Generates after the prompt `promptIDs` (already tokenized, BOS included if wanted).
    /// `isCancelled` is asked before every token; when it answers true generation ends with
    /// finish reason `.cancelled`. `onToken` gets the result so far after each generated token.
    public func generate(tokens promptIDs: [Int], options: GenerationOptions,
                         isCancelled: () -> Bool = { false },
                         onText: (String) -> Void = { _ in },
                         onToken: (GenerationResult) -> Void = { _ in }) throws -> GenerationResult {
        let t0 = Date()
        let reused = try prefill(promptIDs)
        var logits = try session.evaluate(Array(promptIDs[reused...]))
        let t1 = Date()
        var sequence = SequenceDecoder(prompt: promptIDs, options: options, tokenizer: session.tokenizer)
        sequence.result.promptSeconds = t1.timeIntervalSince(t0)
        sequence.result.reusedPromptTokens = reused
        while true {
            let before = sequence.result.ids.count
            let next = sequence.next(UnsafeBufferPointer(logits), cancelled: isCancelled(), onText: onText)
            if sequence.result.ids.count > before { onToken(sequence.result) }
            guard let token = next else { break }
            if session.tokens.count >= session.contextSize { sequence.finish(.length, onText: onText); break }
            logits = try session.evaluate([token])
        }
        sequence.result.generationSeconds = Date().timeIntervalSince(t1)
        return sequence.result
    }

    /// Checks the prompt and rewinds the session to the part of it already evaluated; returns
    /// how many prompt tokens need no evaluation.
    func prefill(_ promptIDs: [Int]) throws -> Int {
        guard !promptIDs.isEmpty else { throw EngineError.emptyPrompt }
        guard promptIDs.count < session.contextSize else {
            throw EngineError.promptTooLong(tokens: promptIDs.count, context: session.contextSize)
        }
        return session.rewind(toSharedPrefixOf: promptIDs)
    }
}

/// One sequence's sampling state: samplers, constraint, stop strings, streaming decoder and the
/// result so far. `Generator` drives one; `ForkedGenerator` drives several that share a prompt.
struct SequenceDecoder {
    let options: GenerationOptions
    let tokenizer: any Tokenizer
    var result = GenerationResult()
    private var chain: SamplerChain
    private var decoder: StreamingDecoder
    private var stops: StopMatcher
    private var history: [Int]
    private var constraint: (any TokenConstraint)?
    private var masked: [Float] = []
    private(set) var finished = false

    init(prompt: [Int], options: GenerationOptions, tokenizer: any Tokenizer) {
        self.options = options
        self.tokenizer = tokenizer
        result.promptTokens = prompt
        chain = options.sampling.makeChain()
        decoder = StreamingDecoder(tokenizer: tokenizer, renderSpecial: false)
        stops = StopMatcher(options.stop)
        history = prompt
        constraint = options.constraint
        if options.maxTokens <= 0 { finished = true }
    }

    /// Picks the next token from `logits` and returns it, or nil when the sequence has ended
    /// (EOS, a stop string, a completed constrained value, the token limit, cancellation).
    mutating func next(_ logits: UnsafeBufferPointer<Float>, cancelled: Bool, onText: (String) -> Void) -> Int? {
        guard !finished else { return nil }
        if cancelled { finish(.cancelled, onText: onText); return nil }
        var token = chain.sample(logits, history: history[...])
        if let c = constraint, !c.allows(token) {
            // Sampling again from the masked logits only when the first pick is refused is
            // exact: it is rejection sampling from the masked distribution.
            if masked.count != logits.count { masked = [Float](repeating: 0, count: logits.count) }
            masked.withUnsafeMutableBufferPointer { m in
                _ = m.initialize(from: logits)
                c.mask(m)
            }
            token = masked.withUnsafeBufferPointer { chain.sample($0, history: history[...]) }
            guard c.allows(token) else { finish(.stop, onText: onText); return nil }  // nothing is allowed
        }
        if (!options.ignoreEOS || constraint != nil) && tokenizer.isEndOfGeneration(token) {
            result.endToken = token
            if options.logprobs > 0 { result.endLogprob = logprob(logits, of: token) }
            finish(.stop, onText: onText)
            return nil
        }
        if options.logprobs > 0 {
            result.topLogprobs.append(topLogprobs(logits, k: options.logprobs))
            result.logprobs.append(logprob(logits, of: token))
        }
        result.ids.append(token)
        history.append(token)
        constraint?.accept(token)
        let (text, stopped) = stops.push(decoder.push(token))
        result.text += text
        onText(text)
        if let stopped { result.finishReason = .stop; result.stopSequence = stopped; finished = true; return nil }
        if constraint?.mustEnd == true { finish(.stop, onText: onText); return nil }
        if result.ids.count >= options.maxTokens { finish(.length, onText: onText); return nil }
        return token
    }

    /// Ends the sequence; text held back as a possible stop string is output after all.
    mutating func finish(_ reason: FinishReason, onText: (String) -> Void) {
        guard !finished else { return }
        finished = true
        result.finishReason = reason
        let tail = stops.flush(decoder.flush())
        result.text += tail
        onText(tail)
    }
}

/// Holds back text that might be the beginning of a stop string, and cuts the output where one ends.
package struct StopMatcher {
    package let stops: [String]
    private var pending = ""

    package init(_ stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Returns the text that is now safe to emit, and the stop string found, if any.
    package mutating func push(_ text: String) -> (String, String?) {
        pending += text
        guard !stops.isEmpty else { defer { pending = "" }; return (pending, nil) }
        if let (cut, stop) = stops.compactMap({ s in pending.range(of: s).map { ($0.lowerBound, s) } }).min(by: { $0.0 < $1.0 }) {
            let out = String(pending[..<cut])
            pending = ""
            return (out, stop)
        }
        // Keep the longest suffix that is a proper prefix of some stop string.
        var keep = 0
        for s in stops {
            for n in stride(from: min(s.count - 1, pending.count), to: 0, by: -1)
            where pending.hasSuffix(s.prefix(n)) {
                keep = max(keep, n); break
            }
        }
        let out = String(pending.dropLast(keep))
        pending = String(pending.suffix(keep))
        return (out, nil)
    }

    package mutating func flush(_ text: String) -> String {
        let (out, stopped) = push(text)
        defer { pending = "" }
        return stopped != nil ? out : out + pending
    }
}
