import Foundation
import XCTest
import TernEnsembles
import TernLM

/// Tool-calling training data: a catalog read and checked, examples of every kind whose calls are
/// the requests' values, verification that refuses what it should, the same data for a seed.
final class ToolCallSynthTests: XCTestCase {
    func catalogFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "tern-catalog-\(UUID().uuidString).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    static let catalog = """
    {"unmatched": ["Write a poem about rain."],
     "pools": {"city": ["Paris", "Lima", "Oslo"]},
     "functions": [
      {"name": "weather.get", "description": "Weather in a city.", "params": [["city", "string", "The city.", "@city", true],
        ["days", "integer", "Days ahead.", [1, 3], false], ["metric", "boolean", "Metric units.", [true], false]],
       "requests": ["Weather in {city} for {days} days?", "Weather in {city}, {metric=in metric units}."],
       "misses": ["Which city had the hottest summer on record?"]},
      {"name": "trip.time", "description": "Travel time between two cities.", "params": [["from", "string", "Start.", "@city", true],
        ["to", "string", "End.", "@city", true]], "requests": ["How long from {from} to {to}?"]},
      {"name": "stats.mean", "description": "Mean of numbers.", "params": [["values", "array:number", "Numbers.", [[1, 2.5, 4]], true]],
       "requests": ["Mean of {values}?"]}
     ]}
    """

    func testCatalogBecomesSchemas() throws {
        let c = try ToolCatalog(path: catalogFile(Self.catalog))
        XCTAssertEqual(c.functions.map(\.name), ["weather.get", "trip.time", "stats.mean"])
        XCTAssertEqual(c.unmatched, ["Write a poem about rain."])
        XCTAssertEqual(c.functions.map(\.misses), [["Which city had the hottest summer on record?"], [], []])
        let schema = c.functions[0].definition.parameters
        XCTAssertEqual(schema["required"], ["city"])
        XCTAssertEqual(schema["properties"]?["days"]?["type"], "integer")
        XCTAssertEqual(c.functions[2].definition.parameters["properties"]?["values"]?["items"], ["type": "number"])
        // A request that leaves out a required parameter is refused.
        let bad = Self.catalog.replacingOccurrences(of: "How long from {from} to {to}?", with: "How long from {from}?")
        XCTAssertThrowsError(try ToolCatalog(path: catalogFile(bad))) { XCTAssertTrue("\($0)".contains("leaves out a required parameter"), "\($0)") }
    }

    func testExamplesAreVerifiedAndDeterministic() throws {
        let c = try ToolCatalog(path: catalogFile(Self.catalog))
        var synth = ToolCallSynth(catalog: c, seed: 7)
        let lines = synth.examples(count: 60)
        XCTAssertGreaterThan(lines.count, 30)
        var kinds = Set<String>()
        for line in lines {
            let messages = line["messages"]!.array!
            let user = messages[0]["content"]!.string!
            let offered = Set(line["tools"]!.array!.map { $0["function"]!["name"]!.string! })
            guard let calls = messages[1]["tool_calls"]?.array else {
                kinds.insert("text")
                XCTAssertFalse(messages[1]["content"]!.string!.isEmpty)
                // No offered function fits: the request's own function is not among them.
                for f in c.functions where f.requests.contains(where: { r in r.split(separator: "{").first.map { user.hasPrefix($0) } ?? false }) {
                    XCTAssertFalse(offered.contains(f.name), "\(user) offered \(offered)")
                }
                continue
            }
            kinds.insert(calls.count == 1 ? "one" : "several")
            for call in calls {
                let f = call["function"]!
                XCTAssertTrue(offered.contains(f["name"]!.string!))
                let args = try JSONDecoder().decode(JSONValue.self, from: Data(f["arguments"]!.string!.utf8))
                for (k, v) in args.object! {
                    switch v {
                    case .string(let s): XCTAssertTrue(user.contains(s), "\(k)=\(s) not in \(user)")
                    case .number(let n): XCTAssertTrue(user.contains(n == n.rounded() ? String(Int(n)) : "\(n)"), "\(k)=\(n) not in \(user)")
                    case .bool(let b): XCTAssertTrue(b && user.contains("in metric units"))
                    case .array(let a): XCTAssertTrue(user.contains("1, 2.5 and 4"), "\(a) in \(user)")
                    default: XCTFail("\(k): \(v)")
                    }
                }
                if f["name"]!.string! == "trip.time" { XCTAssertNotEqual(args["from"], args["to"], "two parameters of one pool differ") }
            }
        }
        XCTAssertEqual(kinds, ["text", "one", "several"])
        var again = ToolCallSynth(catalog: c, seed: 7)
        XCTAssertEqual(again.examples(count: 60).map(\.canonicalJSON), lines.map(\.canonicalJSON))
    }

    /// A near miss is offered with the function it is near, and declined.
    func testNearMissesAreOfferedWithTheirFunction() throws {
        var synth = ToolCallSynth(catalog: try ToolCatalog(path: catalogFile(Self.catalog)), seed: 3)
        let misses = (0..<200).compactMap { _ in synth.example(.irrelevance) }.filter {
            $0["messages"]!.array![0]["content"] == "Which city had the hottest summer on record?"
        }
        XCTAssertGreaterThan(misses.count, 5, "about 45% of the third of examples whose first function is weather.get")
        for line in misses {
            XCTAssertTrue(line["tools"]!.array!.contains { $0["function"]!["name"] == "weather.get" })
            XCTAssertNil(line["messages"]!.array![1]["tool_calls"])
            XCTAssertTrue(line["messages"]!.array![1]["content"]!.string!.hasPrefix("None of the "))
        }
    }

    func testVerificationRefusesAValueNotInTheRequest() throws {
        // A value pool whose numbers are written differently in the request ("1.50" for 1.5)
        // cannot be verified, so no call example is kept.
        let text = """
        {"functions": [{"name": "tip.compute", "description": "A tip.", "params": [["rate", "number", "Rate.", [1.5], true]],
          "requests": ["Tip at 1.50 percent, that is {rate}x?"]}]}
        """
        var synth = ToolCallSynth(catalog: try ToolCatalog(path: catalogFile(text)), seed: 1)
        XCTAssertNotNil(synth.example(.single), "the value is written as 1.5: kept")
        let wrong = text.replacingOccurrences(of: "[1.5], true]", with: "[\"1.5\"], true]")
        var refused = ToolCallSynth(catalog: try ToolCatalog(path: catalogFile(wrong)), seed: 1)
        XCTAssertNil(refused.example(.single), "a string for a number does not parse under the schema's grammar")
    }

    /// A value the catalog says differently ("5%" for 0.05, a spoken date for YYYY-MM-DD) is said
    /// so in the request and written as the value in the call; a said form missing from the
    /// request fails verification. Every declining answer opens with the same word.
    func testSaidValuesAndDeclines() throws {
        let text = """
        {"unmatched": ["Write a poem."],
         "functions": [{"name": "loan.cost", "description": "A loan's cost.",
          "params": [["rate", "number", "Rate as a decimal.", [{"value": 0.05, "said": "5%"}], true],
                     ["date", "string", "Start, YYYY-MM-DD.", [{"value": "2025-03-14", "said": "March 14, 2025"}], true]],
          "requests": ["Cost at {rate} from {date}?"]},
         {"name": "clock.now", "description": "The time.", "params": [], "requests": ["What time is it?"]}]}
        """
        let c = try ToolCatalog(path: catalogFile(text))
        XCTAssertEqual(c.functions[0].parameters[0].values, [0.05])
        XCTAssertEqual(c.functions[0].parameters[1].said["2025-03-14"], "March 14, 2025")
        var synth = ToolCallSynth(catalog: c, seed: 1)
        let loan = try XCTUnwrap((0..<20).lazy.compactMap { _ in synth.example(.single) }.first {
            $0["messages"]!.array![1]["tool_calls"]?.array?.first?["function"]?["name"] == "loan.cost"
        })
        let messages = loan["messages"]!.array!
        XCTAssertEqual(messages[0]["content"], "Cost at 5% from March 14, 2025?")
        let call = messages[1]["tool_calls"]!.array![0]["function"]!
        XCTAssertEqual(call["arguments"], #"{"date": "2025-03-14", "rate": 0.05}"#)
        // The same call for a request that says another rate is refused.
        var m = Message.assistant("")
        m.toolCalls = [ToolCall(id: "call_1", name: "loan.cost", arguments: #"{"date": "2025-03-14", "rate": 0.05}"#)]
        XCTAssertTrue(synth.verify(user: "Cost at 5% from March 14, 2025?", assistant: m, tools: [c.functions[0].definition]))
        XCTAssertFalse(synth.verify(user: "Cost at 0.05 from March 14, 2025?", assistant: m, tools: [c.functions[0].definition]))
        // Whole numbers from 1,000 up are said with or without thousands separators.
        let pay = """
        {"functions": [{"name": "pay", "description": "Pay.", "params": [["amount", "number", "Amount.", [1234500], true]],
          "requests": ["Pay {amount}."]}]}
        """
        var payments = ToolCallSynth(catalog: try ToolCatalog(path: catalogFile(pay)), seed: 1)
        let said = Set((0..<20).compactMap { _ in payments.example(.single) }.map { l -> String in
            XCTAssertEqual(l["messages"]!.array![1]["tool_calls"]!.array![0]["function"]!["arguments"], #"{"amount": 1234500}"#)
            return l["messages"]!.array![0]["content"]!.string!
        })
        XCTAssertEqual(said, ["Pay 1234500.", "Pay 1,234,500."])
        let declines = (0..<20).compactMap { _ in synth.example(.irrelevance) }.map { $0["messages"]!.array![1]["content"]!.string! }
        XCTAssertFalse(declines.isEmpty)
        XCTAssertTrue(declines.allSatisfy { $0.hasPrefix("None of the ") }, "\(Set(declines))")
    }

    /// On the shipped catalog, chats with a call and chats without offer as many functions: one in
    /// about 40% of each (as a BFCL question offers one), so the number offered is no cue to
    /// decline. Every shipped example parses, and none names a function outside the catalog.
    func testShippedCatalogOffersAsManyFunctionsWithAndWithoutACall() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let c = try ToolCatalog(path: root.appendingPathComponent("docs/tools/catalog.json").path)
        var synth = ToolCallSynth(catalog: c, seed: 11)
        synth.irrelevanceShare = 0.45
        var one = [false: 0, true: 0], all = [false: 0, true: 0]
        for line in synth.examples(count: 600) {
            let calls = line["messages"]!.array![1]["tool_calls"]?.array ?? []
            let offered = line["tools"]!.array!.count
            all[calls.isEmpty, default: 0] += 1
            if offered == 1 { one[calls.isEmpty, default: 0] += 1 }
            XCTAssertTrue((1...4).contains(offered), "\(offered) offered")
        }
        for declines in [false, true] {
            let share = Double(one[declines]!) / Double(all[declines]!)
            XCTAssertEqual(share, 0.4, accuracy: 0.08, "\(declines ? "no-call" : "call") chats offering one function")
        }
    }
}
