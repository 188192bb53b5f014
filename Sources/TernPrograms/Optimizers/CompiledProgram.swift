import Foundation
import TernLM

/// A compiled program on disk: versioned JSON holding each predictor's signature, instructions and
/// demos, the model it was compiled for and the library version. Never code: loading it only
/// sets values on a program built by the same source.
///
///     try CompiledProgram(program, model: model.name).write(to: url)
///     try CompiledProgram.read(from: url).apply(to: program)
public struct CompiledProgram: Sendable, Hashable, Codable {
    public static let currentVersion = 1
    public static let libraryVersion = "0.5.0"

    public struct Predictor: Sendable, Hashable, Codable {
        public var signature: Signature
        public var demos: [Example]
    }

    public var format = "tern-program"
    public var version: Int
    public var library: String
    public var model: String
    public var predictors: [String: Predictor]

    public init(_ program: any Module, model: String) {
        version = Self.currentVersion
        library = Self.libraryVersion
        self.model = model
        predictors = Dictionary(program.namedPredictors.map { ($0.name, Predictor(signature: $0.predictor.signature, demos: $0.predictor.demos)) },
                                uniquingKeysWith: { a, _ in a })
    }

    /// Writes atomically: a crash leaves the old file or the new one, never half of one.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    public static func read(from url: URL) throws -> CompiledProgram {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ProgramError.invalidProgramFile("cannot read \(url.path)") }
        let p: CompiledProgram
        do { p = try JSONDecoder().decode(CompiledProgram.self, from: data) } catch {
            throw ProgramError.invalidProgramFile("\(url.path) is not a saved Tern program (\(error))")
        }
        guard p.format == "tern-program" else { throw ProgramError.invalidProgramFile("\(url.path) is not a saved Tern program") }
        guard p.version <= currentVersion else {
            throw ProgramError.invalidProgramFile("\(url.path) has format version \(p.version); this Tern reads up to \(currentVersion)")
        }
        return p
    }

    /// Sets instructions and demos on `program`, whose predictors must have the same names and fields.
    public func apply(to program: any Module) throws {
        for (name, predictor) in program.namedPredictors {
            guard let saved = predictors[name] else { throw ProgramError.invalidProgramFile("no predictor '\(name)' in the file") }
            let have = predictor.signature.fields.map(\.name), want = saved.signature.fields.map(\.name)
            guard have == want else {
                throw ProgramError.invalidProgramFile("predictor '\(name)' has fields \(have) but the file has \(want)")
            }
            predictor.state = PredictorState(instructions: saved.signature.instructions, demos: saved.demos)
        }
    }
}
