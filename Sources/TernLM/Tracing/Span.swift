import Foundation

/// The span that calls made by the current task nest under. Programs open spans with
/// `TraceStore.span(_:_:)`; every traced call records the innermost one as its parent.
public enum Span {
    @TaskLocal public static var current: String?

    /// A new random span id: 16 hex digits.
    public static func newID() -> String {
        String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
    }
}
