import Foundation

/// Hands out problem indices to the workers of an experiment, and counts the finished ones.
///
///     let queue = WorkQueue(count: problems.count)
///     while let i = queue.next() { solve(problems[i]); note("\(queue.finished()) done") }
public final class WorkQueue: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private let count: Int
    private var nextIndex = 0, done = 0
    public init(count: Int) { self.count = count }
    public func next() -> Int? {
        lock.withLock {
            guard nextIndex < count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }
    public func finished() -> Int { lock.withLock { done += 1; return done } }
}
