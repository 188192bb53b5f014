/// A model file that cannot be run: reported in one line naming the file, the problem and what to do.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func missingTensor(_ name: String) -> ModelError {
        ModelError("model file has no tensor '\(name)': the file is incomplete or not a supported architecture")
    }
    static func badShape(_ name: String, _ shape: [Int], expected: [Int]) -> ModelError {
        ModelError("tensor '\(name)' has shape \(shape), expected \(expected): the file does not match its metadata")
    }
    static func missingKey(_ key: String) -> ModelError {
        ModelError("model metadata has no '\(key)': the GGUF file is incomplete")
    }
}
