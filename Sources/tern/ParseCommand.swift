import ArgumentParser
import Foundation
import TernLM
import TernPrograms

/// `tern parse`: the defensive parser as a command. LLM output on stdin, the value as JSON on
/// stdout; exit 1 with one line on stderr when no value can be recovered.
struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recover a JSON or YAML value from LLM output on stdin; print it as JSON.")

    enum Format: String, ExpressibleByArgument { case json, yaml }

    @Option(help: "What the output was meant to be: json or yaml.") var format: Format = .json
    @Option(help: "A JSON schema file: the value is coerced to it (\"42\" → 42 where a number is wanted) and validated.")
    var schema: String?

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        do {
            var value = format == .json ? try LenientJSON.parse(input) : try LenientYAML.parse(input)
            if let schema {
                guard let data = FileManager.default.contents(atPath: schema),
                      let s = try? JSONDecoder().decode(JSONValue.self, from: data) else {
                    throw CommandError("cannot read a JSON schema from \(schema)")
                }
                value = SchemaCoercion.coerced(value, to: s)
                if let v = SchemaValidator(schema: s).validate(value).first { throw CommandError("does not match the schema: \(v)") }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            emit(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
        } catch {
            note("error: \(error)")
            throw ExitCode(1)
        }
    }
}
