import Foundation
import Hummingbird
import TernLM

/// An error answered in OpenAI's shape, `{"error": {"message", "type", "code", "param"}}`, with
/// its HTTP status.
struct APIError: Error {
    let status: HTTPResponse.Status
    let message: String
    let type: String
    let code: String?
    let param: String?

    static func badField(_ field: String, _ problem: String) -> APIError {
        APIError(status: .badRequest, message: "'\(field)' \(problem)", type: "invalid_request_error", code: "invalid_value", param: field)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, message: message, type: "invalid_request_error", code: "not_found", param: nil)
    }

    static func malformed(_ detail: String) -> APIError {
        APIError(status: .badRequest, message: "malformed JSON body: \(detail)", type: "invalid_request_error", code: "invalid_json", param: nil)
    }

    static let unauthorized = APIError(status: .unauthorized, message: "missing or wrong API key: send 'Authorization: Bearer <key>'",
                                       type: "authentication_error", code: "invalid_api_key", param: nil)

    static func unknownModel(_ name: String, served: [String]) -> APIError {
        APIError(status: .notFound, message: "model '\(name)' is not served here; served: \(served.joined(separator: ", "))",
                 type: "invalid_request_error", code: "model_not_found", param: "model")
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: .contentTooLarge, message: "request body is larger than \(limit) bytes",
                 type: "invalid_request_error", code: "request_too_large", param: nil)
    }

    /// The status and shape for an error thrown by a model.
    static func from(_ error: Error) -> APIError {
        if let e = error as? APIError { return e }
        if let e = error as? DecodingError { return malformed(describe(e)) }
        guard let e = error as? LMError else {
            return APIError(status: .internalServerError, message: "\(error)", type: "server_error", code: nil, param: nil)
        }
        switch e {
        case .invalidRequest(let m): return APIError(status: .badRequest, message: m, type: "invalid_request_error", code: "invalid_value", param: nil)
        case .promptTooLong:
            return APIError(status: .badRequest, message: e.description, type: "invalid_request_error", code: "context_length_exceeded", param: "messages")
        case .unknownModel(let m): return unknownModel(m, served: [])
        case .unsupported: return APIError(status: .badRequest, message: e.description, type: "invalid_request_error", code: "unsupported", param: nil)
        case .overloaded: return APIError(status: .tooManyRequests, message: e.description, type: "rate_limit_error", code: "overloaded", param: nil)
        case .server(let status, let m): return APIError(status: .init(code: status), message: m, type: "upstream_error", code: nil, param: nil)
        case .transport: return APIError(status: .badGateway, message: e.description, type: "upstream_error", code: nil, param: nil)
        case .cancelled: return APIError(status: .init(code: 499), message: e.description, type: "cancelled", code: nil, param: nil)
        }
    }

    private static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.hasPrefix(".") ? String(p.dropFirst()) : p
        }
        switch e {
        case .typeMismatch(let t, let c): return "'\(path(c))' should be \(t)"
        case .valueNotFound(let t, let c): return "'\(path(c))' should be \(t), got null"
        case .keyNotFound(let k, _): return "missing field '\(k.stringValue)'"
        case .dataCorrupted(let c):
            let under = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return under ?? (c.codingPath.isEmpty ? c.debugDescription : "'\(path(c))': \(c.debugDescription)")
        @unknown default: return "\(e)"
        }
    }

    var json: JSONValue {
        var error: [String: JSONValue] = ["message": .string(message), "type": .string(type)]
        error["code"] = code.map { .string($0) } ?? .null
        error["param"] = param.map { .string($0) } ?? .null
        return .object(["error": .object(error)])
    }

    var response: Response { jsonResponse(json, status: status) }
}

func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: value.canonicalJSON)))
}
