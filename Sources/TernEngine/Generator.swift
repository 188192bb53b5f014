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
    public var ids: [Int] = []
    public var text = ""
    /// With `logprobs` > 0: each generated token's log-probability, and the most likely ones.
    public var logprobs: [Double] = []
    public var topLogprobs: [[(id: Int, logprob: Double)]] = []
    public var finishReason = FinishReason.length
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
    /// finish reason `.cancelled`.
    public func generate(tokens promptIDs: [Int], options: GenerationOptions,
                         isCancelled: () -> Bool = { false },
                         onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        let tokenizer = session.tokenizer
        guard !promptIDs.isEmpty else { throw EngineError.emptyPrompt }
        guard promptIDs.count < session.contextSize else {
            throw EngineError.promptTooLong(tokens: promptIDs.count, context: session.contextSize)
        }
        var result = GenerationResult()
        result.promptTokens = promptIDs
        session.reset()
        let t0 = Date()
        var logits = try session.evaluate(promptIDs)
        let t1 = Date()
        result.promptSeconds = t1.timeIntervalSince(t0)

        var chain = options.sampling.makeChain()
        var decoder = StreamingDecoder(tokenizer: tokenizer, renderSpecial: false)
        var stops = StopMatcher(options.stop)
        var history = promptIDs
        var constraint = options.constraint
        var masked: [Float] = []
        var stoppedByString = false
        while result.ids.count < options.maxTokens {
            if isCancelled() { result.finishReason = .cancelled; break }
            let raw = UnsafeBufferPointer(logits)
            var token = chain.sample(raw, history: history[...])
            if let c = constraint, !c.allows(token) {
                // Sampling again from the masked logits only when the first pick is refused is
                // exact: it is rejection sampling from the masked distribution.
                masked = Array(raw)
                masked.withUnsafeMutableBufferPointer { c.mask($0) }
                token = masked.withUnsafeBufferPointer { chain.sample($0, history: history[...]) }
                guard c.allows(token) else { result.finishReason = .stop; break }  // nothing is allowed
            }
            if (!options.ignoreEOS || constraint != nil) && tokenizer.isEndOfGeneration(token) {
                result.finishReason = .stop
                break
            }
            if options.logprobs > 0 {
                result.topLogprobs.append(topLogprobs(raw, k: options.logprobs))
                result.logprobs.append(logprob(raw, of: token))
            }
            result.ids.append(token)
            history.append(token)
            constraint?.accept(token)
            let (text, stopped) = stops.push(decoder.push(token))
            result.text += text
            onText(text)
            if stopped { result.finishReason = .stop; stoppedByString = true; break }
            if constraint?.mustEnd == true { result.finishReason = .stop; break }
            if result.ids.count == options.maxTokens { break }
            if session.tokens.count >= session.contextSize { break }
            logits = try session.evaluate([token])
        }
        if !stoppedByString {  // text held back as a possible stop string is output after all
            let tail = stops.flush(decoder.flush())
            result.text += tail
            onText(tail)
        }
        result.generationSeconds = Date().timeIntervalSince(t1)
        return result
    }
}

/// Holds back text that might be the beginning of a stop string, and cuts the output where one ends.
struct StopMatcher {
    let stops: [String]
    private var pending = ""

    init(_ stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Returns the text that is now safe to emit, and whether a stop string was found.
    mutating func push(_ text: String) -> (String, Bool) {
        pending += text
        guard !stops.isEmpty else { defer { pending = "" }; return (pending, false) }
        if let cut = stops.compactMap({ pending.range(of: $0)?.lowerBound }).min() {
            let out = String(pending[..<cut])
            pending = ""
            return (out, true)
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
        return (out, false)
    }

    mutating func flush(_ text: String) -> String {
        let (out, stopped) = push(text)
        defer { pending = "" }
        return stopped ? out : out + pending
    }
}
