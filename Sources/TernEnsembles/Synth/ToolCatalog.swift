import Foundation
import TernLM

/// Functions to make tool-calling training data from (`docs/tools/catalog.json`): each with its
/// parameters, the values they take, and requests that mention them.
///
///     {"pools": {"city": ["Paris", …]},
///      "functions": [{"name": "weather.get_forecast", "description": "…",
///                     "params": [["city", "string", "The city.", "@city", true], …],
///                     "requests": ["What will the weather be in {city} over the next {days} days?", …]}]}
///
/// A parameter is `[name, type, description, values, required]`: the type is a JSON Schema type,
/// `enum` (a string among the values) or `array:ITEM`; the values a list or `@pool`. A value
/// written `{"value": 0.05, "said": "5%"}` is 0.05 in the call and "5%" in the request, so the model
/// learns to write what the description asks for (a rate as a decimal, a date as YYYY-MM-DD,
/// "2 million" as 2000000) rather than to copy. A request
/// mentions a parameter as `{name}`, or a boolean as `{name=words}` (the words appear, the value is
/// true). A request that leaves out a required parameter is refused when the catalog is read.
/// A function's `misses` are near misses: requests in its words that neither it nor any other
/// function of the catalog answers ("the perimeter of a circle" beside `circle_area`), as BFCL's
/// irrelevance questions are. `unmatched` lists other requests that no function answers.
public struct ToolCatalog: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        public var schema: JSONValue
        public var values: [JSONValue]
        /// How a request says a value that it does not write as in the call.
        public var said: [JSONValue: String] = [:]
        public var required: Bool
    }

    public struct Function: Sendable {
        public var definition: ToolDefinition
        public var parameters: [Parameter]
        public var requests: [String]
        /// Requests near this function that no function of the catalog answers.
        public var misses: [String] = []
        public var name: String { definition.name }
    }

    public var functions: [Function]
    /// Requests no function in the catalog answers (the right answer is text, not a call).
    public var unmatched: [String] = []

    public struct CatalogError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(functions: [Function]) { self.functions = functions }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw CatalogError(description: "cannot read the tool catalog \(path): check the path and that it is JSON")
        }
        let pools = root["pools"]?.object ?? [:]
        unmatched = root["unmatched"]?.array?.compactMap(\.string) ?? []
        functions = try (root["functions"]?.array ?? []).map { f in
            guard let name = f["name"]?.string, let params = f["params"]?.array, let requests = f["requests"]?.array?.compactMap(\.string) else {
                throw CatalogError(description: "\(path): a function needs name, params and requests")
            }
            let parameters = try params.map { p -> Parameter in
                guard let a = p.array, a.count == 5, let pname = a[0].string, let type = a[1].string else {
                    throw CatalogError(description: "\(path): \(name): a parameter is [name, type, description, values, required]")
                }
                var written: [JSONValue]
                if let pool = a[3].string, pool.hasPrefix("@") {
                    guard let v = pools[String(pool.dropFirst())]?.array else {
                        throw CatalogError(description: "\(path): \(name).\(pname): no pool \(pool)")
                    }
                    written = v
                } else {
                    written = a[3].array ?? []
                }
                var said: [JSONValue: String] = [:]
                let values = written.map { v -> JSONValue in
                    guard let value = v["value"], let words = v["said"]?.string else { return v }
                    said[value] = words
                    return value
                }
                guard !values.isEmpty else { throw CatalogError(description: "\(path): \(name).\(pname): no values") }
                var schema: [String: JSONValue] = ["description": a[2]]
                if type == "enum" {
                    schema["type"] = "string"
                    schema["enum"] = .array(values)
                } else if type.hasPrefix("array:") {
                    schema["type"] = "array"
                    schema["items"] = ["type": .string(String(type.dropFirst(6)))]
                } else {
                    schema["type"] = .string(type)
                }
                return Parameter(name: pname, schema: .object(schema), values: values, said: said, required: a[4].bool ?? false)
            }
            let required = Set(parameters.filter(\.required).map(\.name))
            for r in requests where !required.isSubset(of: Self.slots(r).map(\.name)) {
                throw CatalogError(description: "\(path): \(name): the request \"\(r)\" leaves out a required parameter")
            }
            let schema: JSONValue = ["type": "object",
                                     "properties": .object(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.schema) })),
                                     "required": .array(parameters.filter(\.required).map { .string($0.name) })]
            return Function(definition: ToolDefinition(name: name, description: f["description"]?.string, parameters: schema),
                            parameters: parameters, requests: requests, misses: f["misses"]?.array?.compactMap(\.string) ?? [])
        }
        guard !functions.isEmpty else { throw CatalogError(description: "\(path) lists no functions") }
    }

    /// The `{name}` and `{name=words}` slots of a request, in order.
    static func slots(_ request: String) -> [(name: String, words: String?, range: Range<String.Index>)] {
        var out: [(String, String?, Range<String.Index>)] = []
        var rest = request.startIndex
        while let open = request[rest...].firstIndex(of: "{"), let close = request[open...].firstIndex(of: "}") {
            let body = request[request.index(after: open)..<close]
            if let eq = body.firstIndex(of: "=") {
                out.append((String(body[..<eq]), String(body[body.index(after: eq)...]), open..<request.index(after: close)))
            } else {
                out.append((String(body), nil, open..<request.index(after: close)))
            }
            rest = request.index(after: close)
        }
        return out
    }
}
