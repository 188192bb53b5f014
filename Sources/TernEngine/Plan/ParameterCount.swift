/// Parameters by part, summed from tensor shapes, and for a mixture of experts the share that
/// runs for one token.
///
///     let count = ParameterCount(model)
///     count.total                 // every trained parameter
///     count.active                // per token: routed experts scaled by used / count
///     count.byPart[.attention]
public struct ParameterCount: Sendable, Equatable {
    /// Parameters of each part (parts with none are absent).
    public let byPart: [ParameterPart: Int]
    public let total: Int
    /// Parameters one token runs through: everything but the routed experts, plus `used / count`
    /// of them (the router and shared experts always run). Equals `total` without experts.
    public let active: Int

    public init(_ model: ModelDescription) {
        var parts: [ParameterPart: Int] = [:]
        var routed = 0
        for tensor in model.tensors where tensor.part != .constant {
            parts[tensor.part, default: 0] += tensor.elementCount
            if tensor.part == .experts, tensor.name.contains("_exps") { routed += tensor.elementCount }
        }
        byPart = parts
        total = parts.values.reduce(0, +)
        if let experts = model.experts, experts.count > 0 {
            active = total - routed + routed * experts.used / experts.count
        } else {
            active = total
        }
    }

    /// Parameters outside the embedding (and a separate output projection): the count that
    /// sets the compute per token, as model cards quote "non-embedding parameters".
    public var nonEmbedding: Int { total - (byPart[.embedding] ?? 0) - (byPart[.output] ?? 0) }
}
