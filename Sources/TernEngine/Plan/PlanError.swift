/// Why `tern plan` cannot describe a model: one line naming the problem and what to do.
///
///     throw PlanError("unknown architecture 'mamba9': tern plan reads gemma3, llama, …")
public struct PlanError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
