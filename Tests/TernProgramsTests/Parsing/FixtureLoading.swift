import Foundation
import XCTest
import TernPrograms
import TernLM

struct CorpusCase: Decodable {
    let id: String
    let category: String
    let format: String
    let input: String
    let expected: JSONValue
}

struct HopelessCase: Decodable {
    let format: String
    let input: String
    let message: String
}

enum Fixtures {
    static func url(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil), "missing fixture \(name)")
    }

    static func corpus() throws -> [CorpusCase] {
        let text = try String(contentsOf: url("repair-corpus.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").filter { !$0.isEmpty }.map {
            try JSONDecoder().decode(CorpusCase.self, from: Data($0.utf8))
        }
    }

    static func hopeless() throws -> [HopelessCase] {
        try JSONDecoder().decode([HopelessCase].self, from: Data(contentsOf: url("hopeless.json")))
    }

    static func parse(_ input: String, format: String) throws -> JSONValue {
        format == "yaml" ? try LenientYAML.parse(input) : try LenientJSON.parse(input)
    }
}
