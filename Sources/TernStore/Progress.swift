import Foundation

/// Progress of a long copy on stderr, e.g. `assembling gemma-3-270m-q4_k_m.gguf: 45% (114/253 MB)`.
/// On a terminal the line is redrawn in place at every percent; in a log (CI, a pipe) only every
/// quarter gets a line, so logs stay short.
package struct Progress {
    package let label: String
    package let total: Int64
    private let inPlace: Bool
    private let write: (String) -> Void
    private var shown = -1  // the last percentage written
    private var shownStep = -1  // the last step (percent / 1 or percent / 25) written

    package init(_ label: String, total: Int64, inPlace: Bool = isatty(STDERR_FILENO) != 0,
         write: @escaping (String) -> Void = writeStandardError) {
        self.label = label
        self.total = total
        self.inPlace = inPlace
        self.write = write
    }

    package mutating func update(_ done: Int64) {
        let percent = total > 0 ? Int(done * 100 / total) : 100
        let step = percent / (inPlace ? 1 : 25)
        guard step > shownStep else { return }
        shown = percent
        shownStep = step
        let line = "\(label): \(percent)% (\(done / 1_000_000)/\(total / 1_000_000) MB)"
        if inPlace {
            write("\r" + line + (percent == 100 ? "\n" : ""))
        } else {
            write(line + "\n")
        }
    }

    /// Ends an in-place line that stopped before 100% (on failure), so the error starts on its own line.
    func abandon() {
        if inPlace, shown >= 0, shown < 100 { write("\n") }
    }
}

/// Writes `text` to stderr unbuffered (progress must show while the work runs).
func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
