import XCTest
import TernLM

/// A toy vocabulary: every printable ASCII byte plus multi-byte tokens that straddle structural
/// boundaries, a few UTF-8 tokens, and an empty control token (id 0) used as end-of-generation.
func toyVocabulary() -> TokenVocabulary {
    var tokens: [[UInt8]] = [[]]
    tokens += (0x20...0x7E).map { [UInt8($0)] }
    let multi = ["\"}", "\",\n  \"", "{\"name\":\"", "\":", "\", \"", "{\"", "}]", "],\"", "true", "null", "12",
                 "\n", "\n  ", "  ", "é", "😀", "\\u", "00e9", "\" ", ",\"", "\":\"", "[{\"", "\"]", "\":[", "\": ",
                 " \"", "{\n  \"", "\n}", "\"age\":", "\"role\":\"", "admin", "user", "\"tags\":[\"", "ab", "-1", "0.", "e5",
                 "\\ud83d", "\\ude00", "\"pt\":{\"x\":", "}}", "\t", "\u{1}", "ad", "min\"", "use"]
    tokens += multi.map { Array($0.utf8) }
    tokens += [[0xC3], [0xA9], [0xFF], [0xE2, 0x82], [0xAC]]  // partial UTF-8 pieces (byte tokens)
    return TokenVocabulary(tokens: tokens, endOfGeneration: [0])
}

let personSchema = """
{"$defs":{"point":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x"]}},
 "type":"object","properties":{
  "name":{"type":"string","minLength":1,"maxLength":8},
  "age":{"type":"integer","minimum":0},
  "role":{"enum":["admin","user"]},
  "tags":{"type":"array","items":{"type":"string","maxLength":4},"maxItems":3},
  "pt":{"$ref":"#/$defs/point"},
  "note":{"type":["string","null"]}},
 "required":["name","role"]}
"""

final class ConstraintTests: XCTestCase {
    func isSet(_ bits: [UInt64], _ i: Int) -> Bool { bits[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    /// Mask from the trie walk must equal walking every token on its own, in every state visited.
    func testMaskMatchesBruteForce() throws {
        let vocab = toyVocabulary()
        let cache = TokenMaskCache(vocabulary: vocab)
        var rng = SplitMix(seed: 7)
        var checked = 0
        for schema in [personSchema, "{}", #"{"type":"array","items":{"enum":[1,12,"ab"]},"minItems":1}"#] {
            let g = try JSONGrammar(schemaJSON: schema)
            for _ in 0..<20 {
                var c = JSONConstraint(grammar: g, vocabulary: vocab, cache: cache)
                for _ in 0..<60 {
                    let bits = cache.allowedTokens(for: c.matcher)
                    var allowed: [Int] = []
                    for t in 1..<vocab.count {
                        let brute = c.matcher.advanced(by: vocab.bytes(of: t))?.mayEndToken == true && !vocab.bytes(of: t).isEmpty
                        XCTAssertEqual(isSet(bits, t), brute, "token \(t) state \(c.matcher.state)")
                        XCTAssertEqual(c.allows(t), brute)
                        if brute { allowed.append(t) }
                    }
                    XCTAssertEqual(c.allows(0), c.matcher.isComplete)
                    checked += 1
                    if allowed.isEmpty { XCTAssertTrue(c.mustEnd); break }
                    c.accept(allowed[Int(rng.next() % UInt64(allowed.count))])
                }
            }
        }
        XCTAssertGreaterThan(checked, 500)
    }

    func testMaskAppliesToLogits() throws {
        let vocab = toyVocabulary()
        let cache = TokenMaskCache(vocabulary: vocab)
        var c = JSONConstraint(grammar: try JSONGrammar(schemaJSON: #"{"type":"boolean"}"#), vocabulary: vocab, cache: cache)
        var logits = [Float](repeating: 1, count: vocab.count + 3)
        logits.withUnsafeMutableBufferPointer { c.mask($0) }
        let allowed = logits.indices.filter { logits[$0] > -.infinity }.map { String(decoding: vocab.bytes(of: $0), as: UTF8.self) }
        XCTAssertEqual(Set(allowed), ["t", "f", "true"])
        c.accept((1..<vocab.count).first { vocab.bytes(of: $0).elementsEqual("true".utf8) }!)
        XCTAssertTrue(c.mustEnd)
        XCTAssertTrue(c.allows(0))
        logits = [Float](repeating: 1, count: vocab.count)
        logits.withUnsafeMutableBufferPointer { c.mask($0) }
        XCTAssertEqual(logits.indices.filter { logits[$0] > -.infinity }, [0])
        XCTAssertEqual(cache.statistics.count, 2)
    }

    /// In a compact grammar a token may end on its space only where a number comes next: before a
    /// string or a key the space must come with the quote (` "`), as Gemma's tokenizer writes it.
    func testCompactSpaceEndsATokenOnlyBeforeANumber() throws {
        let vocab = toyVocabulary(), cache = TokenMaskCache(vocabulary: vocab)
        let id = { (s: String) in (1..<vocab.count).first { vocab.bytes(of: $0).elementsEqual(s.utf8) }! }
        let loose = try JSONGrammar(schemaJSON: personSchema)
        func after(_ text: String, _ g: JSONGrammar) -> JSONConstraint {
            var c = JSONConstraint(grammar: g, vocabulary: vocab, cache: cache)
            for ch in text { c.accept(id(String(ch))) }
            return c
        }
        let pt = #"{"name":"A","role":"user","pt":"#
        for (text, space) in [(#"{"name":"#, false), (#"{"name":"A","age":"#, true), (#"{"name":"A","#, false), (pt, false)] {
            let c = after(text, loose.compacted())
            let bits = cache.allowedTokens(for: c.matcher)
            XCTAssertEqual(c.allows(id(" ")), space, text)
            XCTAssertEqual(isSet(bits, id(" ")), space, text)
            XCTAssertEqual(c.allows(id(" \"")), text != pt && !space, text)
            XCTAssertTrue(after(text, loose).allows(id(" ")), "a loose grammar keeps the bare space: \(text)")
        }
    }

    /// Random generation from masks always yields JSON that parses and satisfies the schema.
    func testRandomWalkProducesValidDocuments() throws {
        let vocab = toyVocabulary()
        let cache = TokenMaskCache(vocabulary: vocab, capacity: 64)
        let g = try JSONGrammar(schemaJSON: personSchema)
        var rng = SplitMix(seed: 42)
        var complete = 0
        for run in 0..<300 {
            var c = JSONConstraint(grammar: g, vocabulary: vocab, cache: cache)
            var text: [UInt8] = []
            for step in 0..<400 {
                if c.mustEnd { break }
                let bits = cache.allowedTokens(for: c.matcher)
                var allowed = (1..<vocab.count).filter { isSet(bits, $0) }
                if c.allows(0) { allowed.append(0) }
                XCTAssertFalse(allowed.isEmpty, "dead end after \(String(decoding: text, as: UTF8.self))")
                if allowed.isEmpty { break }
                // Lean towards closing tokens as the walk gets long, so most runs finish.
                if step > 40 {
                    let closing = allowed.filter { $0 == 0 || vocab.bytes(of: $0).contains { "\"}]0123456789".utf8.contains($0) } }
                    if !closing.isEmpty, rng.next() % 4 != 0 { allowed = closing }
                }
                let t = allowed[Int(rng.next() % UInt64(allowed.count))]
                XCTAssertTrue(c.allows(t))
                if t == 0 { break }
                c.accept(t)
                text += vocab.bytes(of: t)
            }
            guard c.isComplete else { continue }
            complete += 1
            let doc = String(decoding: text, as: UTF8.self)
            guard let obj = try? JSONSerialization.jsonObject(with: Data(text)) as? [String: Any] else {
                XCTFail("run \(run): not a JSON object: \(doc)"); continue
            }
            XCTAssertTrue(Set(obj.keys).isSubset(of: ["name", "age", "role", "tags", "pt", "note"]), doc)
            guard let name = obj["name"] as? String else { XCTFail("name: \(doc)"); continue }
            XCTAssertTrue((1...8).contains(name.unicodeScalars.count), doc)
            XCTAssertTrue(["admin", "user"].contains(obj["role"] as? String ?? ""), doc)
            if let age = obj["age"] {
                let n = (age as? NSNumber)?.doubleValue ?? -1
                XCTAssertTrue(n >= 0 && n.rounded() == n, doc)
            }
            if let tags = obj["tags"] {
                let list = tags as? [String]
                XCTAssertNotNil(list, doc)
                XCTAssertLessThanOrEqual(list?.count ?? 99, 3, doc)
                XCTAssertTrue(list?.allSatisfy { $0.unicodeScalars.count <= 4 } ?? false, doc)
            }
            if let pt = obj["pt"] {
                let p = pt as? [String: Any]
                XCTAssertTrue(p?["x"] is NSNumber && Set(p!.keys).isSubset(of: ["x", "y"]), doc)
            }
            if let note = obj["note"] { XCTAssertTrue(note is String || note is NSNull, doc) }
            // Key order follows the schema.
            let order = ["\"name\"", "\"age\"", "\"role\"", "\"tags\"", "\"pt\"", "\"note\""].compactMap { doc.range(of: $0)?.lowerBound }
            XCTAssertEqual(order, order.sorted(), doc)
        }
        XCTAssertGreaterThan(complete, 150)
    }
}

/// Deterministic PRNG so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
