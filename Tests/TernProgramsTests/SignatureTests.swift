import XCTest
import TernLM
import TernPrograms

enum Sentiment: String, Codable, CaseIterable, SchemaEnum, Sendable { case positive, negative, neutral }

struct Classify: TypedSignature {
    struct Input: Codable, Sendable { var review: String; var stars: Int? }
    struct Output: Codable, Sendable { var sentiment: Sentiment; var keywords: [String]; var confidence: Double }
    static let instructions = "Classify the review."
    static let descriptions = ["review": "a product review", "keywords": "words that carry the sentiment"]
}

final class SignatureTests: XCTestCase {
    func testParsesFieldsAndTypes() throws {
        let s = try Signature("context, question -> answer: int, tags: list[str], mood: Literal['happy', 'sad'], ok: bool")
        XCTAssertEqual(s.inputs.map(\.name), ["context", "question"])
        XCTAssertEqual(s.outputs.map(\.name), ["answer", "tags", "mood", "ok"])
        XCTAssertEqual(s.outputs.map(\.type), [.int, .list(.string), .choice(["happy", "sad"]), .bool])
        XCTAssertEqual(s.instructions, "From `context`, `question`, write `answer`, `tags`, `mood`, `ok`.")
    }

    func testRejectsBadSpecsWithClearErrors() {
        XCTAssertThrowsError(try Signature("question answer")) {
            XCTAssertEqual("\($0)", "invalid signature: 'question answer' needs exactly one '->' between inputs and outputs")
        }
        XCTAssertThrowsError(try Signature("q -> a: complex")) { XCTAssertTrue("\($0)".contains("unknown type 'complex'")) }
        XCTAssertThrowsError(try Signature("q -> q")) { XCTAssertTrue("\($0)".contains("field 'q' appears twice")) }
        XCTAssertThrowsError(try Signature("q ->")) { XCTAssertTrue("\($0)".contains("no output field")) }
        XCTAssertThrowsError(try Signature("my field -> a")) { XCTAssertTrue("\($0)".contains("'my field'")) }
    }

    func testDerivedSignaturesAreNewValues() throws {
        let base = try Signature("question -> answer")
        let cot = base.prependingOutput(Field("reasoning"))
        XCTAssertEqual(cot.outputs.map(\.name), ["reasoning", "answer"])
        XCTAssertEqual(base.outputs.map(\.name), ["answer"])
        XCTAssertEqual(base.appendingInput(Field("context")).inputs.map(\.name), ["question", "context"])
        XCTAssertEqual(base.prependingInput(Field("context")).inputs.map(\.name), ["context", "question"])
        XCTAssertEqual(base.withInstructions("Be brief.").instructions, "Be brief.")
    }

    func testTypedSignatureReadsFieldsOffCodableTypes() throws {
        let s = try Classify.signature()
        XCTAssertEqual(s.inputs, [Field("review", .string, description: "a product review"), Field("stars", .int)])
        XCTAssertEqual(s.outputs, [Field("sentiment", .choice(["positive", "negative", "neutral"])),
                                   Field("keywords", .list(.string), description: "words that carry the sentiment"),
                                   Field("confidence", .double)])
        XCTAssertEqual(s.instructions, "Classify the review.")
    }

    func testCodableSchemaKeepsOrderAndOptionality() throws {
        struct Item: Codable { var sku: String; var qty: Int }
        struct Order: Codable { var id: Int; var items: [Item]; var note: String?; var sentiment: Sentiment }
        let schema = try CodableSchema.schema(for: Order.self)
        XCTAssertEqual(schema["propertyOrdering"], ["id", "items", "note", "sentiment"])
        XCTAssertEqual(schema["required"], ["id", "items", "sentiment"])
        XCTAssertEqual(schema["properties"]?["items"], [
            "type": "array",
            "items": ["type": "object", "properties": ["sku": ["type": "string"], "qty": ["type": "integer"]],
                      "required": ["sku", "qty"], "propertyOrdering": ["sku", "qty"], "additionalProperties": false],
        ])
        XCTAssertEqual(schema["properties"]?["sentiment"], ["type": "string", "enum": ["positive", "negative", "neutral"]])
        XCTAssertEqual(schema["additionalProperties"], false)
    }
}
