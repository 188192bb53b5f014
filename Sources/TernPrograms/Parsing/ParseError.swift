import Foundation
import TernLM

/// Why lenient parsing gave up, as one line a person can act on.
///
/// `line` and `column` are 1-based and refer to the text that was passed in (before any code fence
/// was stripped), so they can be shown next to the raw model output.
///
/// ```swift
/// do { _ = try LenientJSON.parse("{\"a\": 1 \"b\" 2}") }
/// catch let error as ParseError { print(error) }
/// // expected ',' or '}' at 1:9 near `{"a": 1 "b" 2}`
/// ```
public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public let line: Int
    public let column: Int
    /// A short window of the input around the failure, newlines shown as `⏎`.
    public let excerpt: String

    public init(message: String, line: Int, column: Int, excerpt: String) {
        self.message = message
        self.line = line
        self.column = column
        self.excerpt = excerpt
    }

    /// Locates `offset` (an index into `scalars`) and cuts an excerpt around it.
    init(_ message: String, at offset: Int, in scalars: [Unicode.Scalar]) {
        let offset = max(0, min(offset, scalars.count))
        var line = 1, column = 1
        for s in scalars[..<offset] {
            if s == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        let lo = max(0, offset - 16), hi = min(scalars.count, offset + 16)
        var text = ""
        for s in scalars[lo..<hi] {
            switch s {
            case "\n": text += "⏎"
            case "\r", "\t": text += " "
            default: text.unicodeScalars.append(s)
            }
        }
        self.init(message: message, line: line, column: column, excerpt: text.trimmingCharacters(in: .whitespaces))
    }

    public var description: String {
        excerpt.isEmpty ? "\(message) at \(line):\(column)" : "\(message) at \(line):\(column) near `\(excerpt)`"
    }
}
