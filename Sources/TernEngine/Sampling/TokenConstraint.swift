/// Restricts which tokens may come next (constrained decoding). The generator asks `allows` for the
/// token its samplers picked; only when that token is refused does it call `mask` and sample again
/// from the allowed tokens (exact: this is rejection sampling from the masked distribution).
public protocol TokenConstraint: Sendable {
    /// Whether `token` may come next (end-of-generation tokens: only when the output is complete).
    func allows(_ token: Int) -> Bool
    /// Sets the logit of every token that may not come next to -infinity.
    func mask(_ logits: UnsafeMutableBufferPointer<Float>)
    /// Advances past `token`, which `allows` accepted.
    mutating func accept(_ token: Int)
    /// The output is complete and nothing more may follow: generation must end here.
    var mustEnd: Bool { get }
}
