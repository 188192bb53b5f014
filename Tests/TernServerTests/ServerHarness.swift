import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TernLM
import TernServer

/// An `OpenAIServer` listening on a free loopback port for the length of a test.
final class ServerHarness: @unchecked Sendable {
    let port: Int
    private let task: Task<Void, Error>

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    init(_ server: OpenAIServer) async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        task = Task { try await server.run(host: "127.0.0.1", port: 0) { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        guard let p = await iterator.next() else { throw LMError.transport("server did not start") }
        port = p
    }

    func stop() { task.cancel() }

    /// A raw request: status and body text.
    func request(_ method: HTTPMethod, _ path: String, body: String? = nil, headers: [String: String] = [:]) async throws -> (Int, String) {
        var r = HTTPClientRequest(url: "http://127.0.0.1:\(port)" + path)
        r.method = method
        for (k, v) in headers { r.headers.add(name: k, value: v) }
        if let body { r.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(r, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// The headers of a GET.
    func headers(_ path: String) async throws -> HTTPHeaders {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)" + path), timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 16 << 20)
        return response.headers
    }
}
