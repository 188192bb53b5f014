/// What can go wrong in a program, each with a line a user can act on.
public enum ProgramError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A signature string or declaration that does not say what it should.
    case invalidSignature(String)
    /// A call without a value for one of the signature's inputs.
    case missingInput(String)
    /// An optimizer or evaluation would need more calls or tokens than its budget allows.
    case overBudget(String)
    /// A saved program that cannot be read (wrong version, wrong shape).
    case invalidProgramFile(String)
    /// A tool call that names no known tool, or gives bad arguments.
    case tool(String)

    public var description: String {
        switch self {
        case .invalidSignature(let m): return "invalid signature: \(m)"
        case .missingInput(let f): return "missing input field '\(f)'"
        case .overBudget(let m): return "over budget: \(m)"
        case .invalidProgramFile(let m): return "cannot load program: \(m)"
        case .tool(let m): return "tool call: \(m)"
        }
    }
}
