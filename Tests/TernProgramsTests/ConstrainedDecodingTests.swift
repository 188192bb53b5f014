import Foundation
import TernEngine
import TernLM
import TernStore
import XCTest
import TernPrograms

/// Structured-output layer 1 on the real default model: constrained decoding always gives JSON
/// that parses strictly and validates, even when sampling at temperature 1.
final class ConstrainedDecodingTests: XCTestCase {
    nonisolated(unsafe) private static var shared: LocalModel?

    private func model() throws -> LocalModel {
        if let m = Self.shared { return m }
        let loaded = try LoadedModel(path: ModelStore().resolve(ModelStore.defaultModelName), threads: 2)
        let m = try LocalModel(loaded: loaded, name: "gemma3-270m", contextSize: 1024)
        Self.shared = m
        return m
    }

    /// Nested objects, an array of objects, enums, a nullable field, bounded strings.
    static let schemaText = """
        {"type": "object", "properties": {
           "name": {"type": "string", "minLength": 1, "maxLength": 40},
           "age": {"type": "integer", "minimum": 0},
           "role": {"type": "string", "enum": ["engineer", "doctor", "teacher", "artist"]},
           "address": {"type": "object", "properties": {
               "city": {"type": "string", "maxLength": 30},
               "country": {"type": "string", "enum": ["France", "Japan", "Brazil", "Canada"]}},
             "required": ["city", "country"]},
           "projects": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "object", "properties": {
               "title": {"type": "string", "maxLength": 30},
               "status": {"type": "string", "enum": ["active", "done"]},
               "hours": {"type": "number"}},
             "required": ["title", "status", "hours"]}},
           "manager": {"type": ["string", "null"], "maxLength": 30},
           "remote": {"type": "boolean"}},
         "required": ["name", "age", "role", "address", "projects", "manager", "remote"]}
        """

    func testFiftySampledGenerationsAllParseAndValidate() async throws {
        let m = try model()
        let schema = try JSONDecoder().decode(JSONValue.self, from: Data(Self.schemaText.utf8))
        let validator = SchemaValidator(schema: schema)
        var failures: [String] = []
        var tokens = 0
        for seed in 0..<50 {
            let p = GenerationParameters(temperature: 1, seed: UInt64(seed), maxTokens: 400,
                                         responseFormat: .jsonSchema(name: "employee", schema: schema))
            let c = try await m.complete(CompletionRequest(.text("An employee record, as JSON:\n"), parameters: p))
            tokens += c.usage.completionTokens
            guard c.choices[0].finishReason == .stop else { failures.append("\(seed): finish \(c.choices[0].finishReason)"); continue }
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(c.text.utf8)) else {
                failures.append("\(seed): does not parse: \(c.text)"); continue
            }
            if let v = validator.validate(value).first { failures.append("\(seed): \(v): \(c.text)") }
            // The enum fields hold one of their values: the grammar, not luck.
            XCTAssertNotNil(["engineer", "doctor", "teacher", "artist"].firstIndex(of: value["role"]?.string ?? ""))
        }
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
        XCTAssertGreaterThan(tokens, 50 * 20)
    }

    func testJSONObjectModeAndGreedyPropertyOrder() async throws {
        let m = try model()
        let object = try await m.complete(CompletionRequest(.text("Config: {\"debug\": true, \"level\": 3}\nConfig:"),
            parameters: GenerationParameters(temperature: 0, maxTokens: 200, responseFormat: .jsonObject)))
        XCTAssertEqual(object.choices[0].finishReason, .stop)
        XCTAssertNotNil(try JSONDecoder().decode(JSONValue.self, from: Data(object.text.utf8)).object, object.text)

        // CodableSchema keeps declaration order, and the grammar follows it.
        struct City: Codable { var zeta: String; var alpha: Int }
        let schema = try CodableSchema.schema(for: City.self)
        // The example puts "alpha" first; the schema's order wins.
        let c = try await m.complete(CompletionRequest(.text("A city: {\"alpha\": 2, \"zeta\": \"Paris\"}. Another city:"),
            parameters: GenerationParameters(temperature: 0, maxTokens: 100, responseFormat: .jsonSchema(name: "city", schema: schema))))
        XCTAssertEqual(c.choices[0].finishReason, .stop, c.text)
        let zeta = try XCTUnwrap(c.text.range(of: "\"zeta\"")), alpha = try XCTUnwrap(c.text.range(of: "\"alpha\""))
        XCTAssertLessThan(zeta.lowerBound, alpha.lowerBound)
    }

    func testAnUnenforceableSchemaIsABadRequest() async throws {
        let m = try model()
        let p = GenerationParameters(maxTokens: 10, responseFormat: .jsonSchema(name: "x", schema: ["type": "string", "pattern": "^a+$"]))
        do {
            _ = try await m.complete(CompletionRequest(.text("x"), parameters: p))
            XCTFail("expected an error")
        } catch let e as LMError {
            guard case .invalidRequest(let message) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(message.contains("pattern"), message)
        }
    }

    func testJSONAdapterOnTheRealModelIsConstrained() async throws {
        let m = try model()
        let store = try TraceStore(path: NSTemporaryDirectory() + "constrained-\(UUID()).sqlite")
        let ctx = ProgramContext(lm: TracedModel(m, store: store), adapter: JSONAdapter())
        let p = try await Predict("text -> sentiment: Literal['positive', 'negative'], stars: int")(
            ["text": "I loved this film, it was wonderful."], context: ctx)
        XCTAssertNotNil(["positive", "negative"].firstIndex(of: p["sentiment"]?.string ?? ""))
        XCTAssertNotNil(p["stars"]?.number)
        let span = try XCTUnwrap(store.spans(under: nil).first)
        XCTAssertTrue(try XCTUnwrap(span.attributes).contains("\"layer\":\"constrained\""))
    }
}
