import Foundation
import TernLM

/// A string enum whose cases a schema can list: conform your Codable enums to this to use them in
/// typed signatures and schemas.
///
///     enum Sentiment: String, Codable, CaseIterable, SchemaEnum { case positive, negative, neutral }
public protocol SchemaEnum: CaseIterable, RawRepresentable, Decodable where RawValue == String {}

/// The JSON schema of a `Decodable` type, read off its `init(from:)` by decoding once from a probe
/// that records every key asked for, with its type, in declaration order. Optional properties are
/// not required. Key order is kept in `propertyOrdering` (as Gemini's API names it), which
/// constrained decoding follows.
///
///     struct Person: Codable { var name: String; var age: Int; var tags: [String] }
///     let schema = try CodableSchema.schema(for: Person.self)
///     // {"type":"object","properties":{…},"required":["name","age","tags"],"propertyOrdering":[…],"additionalProperties":false}
public enum CodableSchema {
    public static func schema(for type: any Decodable.Type) throws -> JSONValue {
        try probe(type).schema
    }

    static func probe(_ type: any Decodable.Type) throws -> (value: Any, schema: JSONValue) {
        switch type {
        case is String.Type: return ("", ["type": "string"])
        case is Bool.Type: return (false, ["type": "boolean"])
        case is Double.Type: return (0.0, ["type": "number"])
        case is Float.Type: return (Float(0), ["type": "number"])
        case is Int.Type: return (0, ["type": "integer"])
        case is Int64.Type: return (Int64(0), ["type": "integer"])
        case is Int32.Type: return (Int32(0), ["type": "integer"])
        case is UInt.Type: return (UInt(0), ["type": "integer", "minimum": 0])
        default: break
        }
        if let e = type as? any SchemaEnum.Type { return enumProbe(e) }
        if let a = type as? any ArrayProbe.Type {
            return (a.empty, ["type": "array", "items": try probe(a.element).schema])
        }
        if let o = type as? any OptionalProbe.Type {
            return (o.none, try probe(o.wrapped).schema)
        }
        let recorder = ProbeRecorder()
        let value = try type.init(from: ProbeDecoder(recorder: recorder))
        let names = recorder.keys.map(\.name)
        var properties: [String: JSONValue] = [:]
        for k in recorder.keys { properties[k.name] = k.schema }
        return (value, [
            "type": "object",
            "properties": .object(properties),
            "required": .array(recorder.keys.filter(\.required).map { .string($0.name) }),
            "propertyOrdering": .array(names.map { .string($0) }),
            "additionalProperties": false,
        ])
    }

    private static func enumProbe<E: SchemaEnum>(_ type: E.Type) -> (value: Any, schema: JSONValue) {
        let cases = Array(E.allCases)
        return (cases[0], ["type": "string", "enum": .array(cases.map { .string($0.rawValue) })])
    }
}

/// Arrays and optionals are asked for their element type without an instance.
protocol ArrayProbe { static var element: any Decodable.Type { get }; static var empty: Any { get } }
extension Array: ArrayProbe where Element: Decodable {
    static var element: any Decodable.Type { Element.self }
    static var empty: Any { [Element]() }
}
protocol OptionalProbe { static var wrapped: any Decodable.Type { get }; static var none: Any { get } }
extension Optional: OptionalProbe where Wrapped: Decodable {
    static var wrapped: any Decodable.Type { Wrapped.self }
    static var none: Any { Optional<Wrapped>(nilLiteral: ()) as Any }
}

final class ProbeRecorder {
    struct Key { var name: String; var schema: JSONValue; var required: Bool }
    var keys: [Key] = []
    var optional: Set<String> = []
}

struct ProbeDecoder: Decoder {
    let recorder: ProbeRecorder
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(ProbeKeyed<Key>(recorder: recorder))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath,
            debugDescription: "a top-level array needs a named element type: wrap it in a struct"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath,
            debugDescription: "custom single-value decoding cannot be probed: conform to SchemaEnum or give a schema"))
    }
}

struct ProbeKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: ProbeRecorder
    var codingPath: [any CodingKey] = []
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }

    /// Synthesized `init(from:)` asks this only for optional properties (through the standard
    /// `decodeIfPresent` overloads), so the next value of this key is not required.
    func decodeNil(forKey key: Key) throws -> Bool {
        recorder.optional.insert(key.stringValue)
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try value(type, key, required: true)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try value(type, key, required: false) as T
    }

    private func value<T: Decodable>(_ type: T.Type, _ key: Key, required: Bool) throws -> T {
        let (v, schema) = try CodableSchema.probe(type)
        recorder.keys.append(.init(name: key.stringValue, schema: schema,
                                   required: required && !recorder.optional.contains(key.stringValue)))
        guard let typed = v as? T else {
            throw DecodingError.typeMismatch(T.self, .init(codingPath: codingPath + [key], debugDescription: "cannot probe \(T.self)"))
        }
        return typed
    }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath + [key], debugDescription: "nested containers cannot be probed"))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath + [key], debugDescription: "nested containers cannot be probed"))
    }
    func superDecoder() throws -> any Decoder { ProbeDecoder(recorder: ProbeRecorder()) }
    func superDecoder(forKey key: Key) throws -> any Decoder { ProbeDecoder(recorder: ProbeRecorder()) }
}
