import Foundation
import TernGGUF
import TernStore
import TernTokenizers

/// The default model's tokenizer, fetched through the same store users go through, built once per run.
enum DefaultModel {
    nonisolated(unsafe) private static var cached: SentencePieceTokenizer?

    static func path() throws -> String {
        try ModelStore().resolve(ModelStore.defaultModelName)
    }

    static func tokenizer() throws -> SentencePieceTokenizer {
        if let cached { return cached }
        let tokenizer = try SentencePieceTokenizer(gguf: GGUFFile(path: path()))
        cached = tokenizer
        return tokenizer
    }
}

/// One JSON object per line of a file in Fixtures/.
func fixtureLines<T: Decodable>(_ name: String, as type: T.Type) throws -> [T] {
    let url = try fixtureURL(name)
    return try String(contentsOf: url, encoding: .utf8)
        .split(separator: "\n")
        .map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
}

func fixtureURL(_ name: String) throws -> URL {
    let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
    guard let url = Bundle.module.url(forResource: parts[0], withExtension: parts[1], subdirectory: "Fixtures") else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name)"])
    }
    return url
}
