import Foundation

/// A one-line progress bar on stderr, redrawn in place: "eval [######----] 12/20  score 58.3%".
public final class ProgressBar: @unchecked Sendable {  // updated from one task at a time
    let total: Int
    let enabled: Bool
    let label: String

    public init(total: Int, enabled: Bool, label: String) {
        self.total = total
        self.enabled = enabled
        self.label = label
    }

    public func update(_ done: Int, score: Double) {
        guard enabled, total > 0 else { return }
        let width = 30, filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r%@ [%@] %d/%d  score %.1f%%", label, bar, done, total, 100 * score).utf8))
    }

    public func finish() {
        guard enabled, total > 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
