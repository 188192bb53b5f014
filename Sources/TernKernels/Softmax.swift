import Foundation

/// In-place softmax over `count` values, max-subtracted for stability. Returns Σ exp(x - max)
/// before normalisation.
@discardableResult
public func softmax(_ x: UnsafeMutablePointer<Float>, _ count: Int) -> Float {
    guard count > 0 else { return 0 }
    var m = -Float.infinity
    for i in 0..<count { m = max(m, x[i]) }
    var sum: Float = 0
    for i in 0..<count { let e = expf(x[i] - m); x[i] = e; sum += e }
    let inv = 1 / sum
    for i in 0..<count { x[i] *= inv }
    return sum
}

/// log Σ exp(x[i]) over `count` values, computed stably in Double (for logprobs and perplexity).
public func logSumExp(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
    var m = -Float.infinity
    for i in 0..<count { m = max(m, x[i]) }
    var sum: Double = 0
    for i in 0..<count { sum += exp(Double(x[i] - m)) }
    return Double(m) + log(sum)
}
