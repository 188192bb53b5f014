import Foundation
import TernTokenizers

/// "Don't Repeat Yourself" (DRY), by p-e-w for text-generation-webui (PR #5677), as koboldcpp and
/// llama.cpp's `dry` sampler apply it. If emitting a candidate would extend a suffix of the history
/// that already occurred earlier, its logit is lowered by
///
///     multiplier · base^(L − allowedLength)
///
/// where L is the length of the longest such earlier occurrence whose next token is the candidate
/// (L counts only tokens already in the history), and only when L ≥ allowedLength. Short
/// repetitions are free; long ones are penalized exponentially harder.
///
/// - Only the last `lastN` tokens are searched (−1: all of the history; 0: off).
/// - Sequence breakers cut matching: a suffix may not reach back across the most recent breaker,
///   and a breaker token is never penalized itself. **Simplification:** breakers are given as
///   single token ids, not strings (llama.cpp tokenizes strings such as "\n", ":", "\"", "*" into
///   head-token + tail sequences); the caller maps its breaker strings to ids.
/// - The exponent is capped so the penalty stays finite in Float (ln Float.max ≈ 88.72).
///
/// Matches are found with the Z-algorithm on the reversed window, O(lastN) per step; the buffers
/// are reused from step to step.
public struct DRYSampler: Sampler {
    public let multiplier: Float
    public let base: Float
    public let allowedLength: Int
    public let lastN: Int
    public let sequenceBreakers: Set<Int>
    // Scratch reused from step to step.
    private var z: [Int] = []
    private var longest: [Int: Int] = [:]

    /// llama.cpp's defaults: multiplier 0 (off), base 1.75, allowed length 2, last n −1.
    public init(multiplier: Float = 0, base: Float = 1.75, allowedLength: Int = 2, lastN: Int = -1,
                sequenceBreakers: Set<Int> = []) {
        self.multiplier = multiplier
        self.base = base
        self.allowedLength = allowedLength
        self.lastN = lastN
        self.sequenceBreakers = sequenceBreakers
    }

    public var isActive: Bool { multiplier != 0 && base >= 1 && lastN != 0 }

    public mutating func apply(_ c: inout Candidates, history: ArraySlice<Int>) {
        guard isActive else { return }
        let window = lastN < 0 ? history : history.suffix(lastN)
        let n = window.count
        guard n > allowedLength else { return }
        let end = window.endIndex - 1
        // rev(i): the i-th token counting back from the most recent (rev(0)).
        func rev(_ i: Int) -> Int { window[end - i] }

        // A repeated suffix may not extend back past the most recent breaker.
        var limit = n
        for i in 0..<n where sequenceBreakers.contains(rev(i)) { limit = i; break }
        guard limit >= allowedLength else { return }

        // z[k] = length of the longest common prefix of rev and rev shifted by k, i.e. how many
        // tokens ending k steps back match the tokens ending now.
        if z.count < n { z = Array(repeating: 0, count: n) }
        z[0] = n
        var left = 0, right = 0  // the rightmost match window [left, right) found so far
        for k in 1..<n {
            var len = k < right ? min(right - k, z[k - left]) : 0
            while k + len < n && rev(len) == rev(k + len) { len += 1 }
            z[k] = len
            if k + len > right { left = k; right = k + len }
        }

        // The token that followed each match, rev(k − 1), would extend it: keep the longest.
        longest.removeAll(keepingCapacity: true)
        for k in 1..<n {
            let len = min(z[k], limit)
            guard len >= allowedLength else { continue }
            let next = rev(k - 1)
            if len > longest[next, default: -1] { longest[next] = len }
        }
        guard !longest.isEmpty else { return }

        let maxExponent = base > 1.000001 ? Int(88.7228391 / logf(base)) : Int.max
        for i in 0..<c.count {
            guard let len = longest[c.ids[i]], !sequenceBreakers.contains(c.ids[i]) else { continue }
            let exponent = min(len - allowedLength, maxExponent)
            c.logits[i] -= multiplier * powf(base, Float(exponent))
        }
        c.sorted = false
    }
}

extension DRYSampler {
    /// llama.cpp's default breakers — newline, colon, double quote, asterisk — as the ids of the
    /// tokens whose text is exactly one of them (tokens that merely contain one are not included).
    public static func defaultBreakers(_ tokenizer: any Tokenizer) -> [Int] {
        let texts = Set(["\n", ":", "\"", "*"].map { Array($0.utf8) })
        return (0..<tokenizer.vocabularySize).filter { texts.contains(tokenizer.bytes(of: $0, renderSpecial: false)) }
    }
}
