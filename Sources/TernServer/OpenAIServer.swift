import Foundation
import Hummingbird
import ServiceLifecycle
import NIOCore
import TernLM

/// An OpenAI-compatible HTTP API over any `LanguageModel`s: chat and text completions (streamed
/// as server-sent events or not, with logprobs), embeddings, the model list, health and
/// Prometheus metrics; and the playground page at `/` with Tern's own endpoints under /tern/v1
/// (PlaygroundAPI).
///
/// Every error is answered in OpenAI's JSON shape with a fitting status (400 for malformed JSON
/// or bad fields, 401, 404 for an unknown model, 413, 429 when a model's queue is full). A client
/// that disconnects from a stream cancels its generation.
///
///     let server = OpenAIServer(models: [model])
///     try await server.run(host: "127.0.0.1", port: 8080)
public struct OpenAIServer: Sendable {
    public let models: [any LanguageModel]
    public let apiKey: String?
    public let maxBodyBytes: Int
    /// The trace store the playground's trace views read (nil: tracing is off).
    public let traces: TraceStore?
    let metrics = ServerMetrics()
    let assets = PlaygroundAssets()

    /// The first model answers requests that name no model.
    public init(models: [any LanguageModel], apiKey: String? = nil, maxBodyBytes: Int = 4 << 20, traces: TraceStore? = nil) {
        precondition(!models.isEmpty, "a server needs a model")
        self.models = models
        self.apiKey = apiKey
        self.maxBodyBytes = maxBodyBytes
        self.traces = traces
    }

    /// Serves until the process gets SIGTERM or SIGINT, or the calling task is cancelled; either
    /// way the server shuts down gracefully (requests in flight finish, nothing is logged as an
    /// error). `onStart` is called with the bound port once listening.
    public func run(host: String, port: Int, onStart: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "tern"),
                              onServerRunning: { channel in await onStart(channel.localAddress?.port ?? port) })
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger))
        // The group runs in a task of its own, so the caller's cancellation does not reach the
        // services (cancelled outright, Hummingbird logs errors for a normal stop): it becomes a
        // graceful shutdown instead.
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    func router() -> Router<ConnectionContext> {
        let router = Router(context: ConnectionContext.self)
        // The playground page: static files, open without the key (the page asks for it and sends
        // it with every API call).
        router.get("/") { _, _ in assets.response("index.html") }
        router.get("playground/:file") { _, context in assets.response(context.parameters.get("file") ?? "") }
        addPlaygroundRoutes(to: router)
        router.get("health") { _, _ in jsonResponse(JSONValue.object(["status": .string("ok")])) }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.text)))
        }
        router.get("v1/models") { request, _ in
            await answer("models", request) { _ in
                jsonResponse(JSONValue.object(["object": .string("list"), "data": .array(models.map {
                    .object(["id": .string($0.name), "object": .string("model"), "created": .number(0), "owned_by": .string("tern")])
                })]))
            }
        }
        router.post("v1/chat/completions") { request, context in
            await answer("chat", request) { body in
                let s = try decode(SamplingFields.self, body), c = try decode(ChatRequest.self, body)
                return try await complete(chat: true, try c.validated(s), fields: s, channel: context.channel)
            }
        }
        router.post("v1/completions") { request, context in
            await answer("completions", request) { body in
                let s = try decode(SamplingFields.self, body), c = try decode(TextCompletionRequest.self, body)
                return try await complete(chat: false, try c.validated(s), fields: s, channel: context.channel)
            }
        }
        router.post("v1/embeddings") { request, _ in
            await answer("embeddings", request) { body in
                let e = try decode(EmbeddingRequest.self, body)
                guard let texts = e.input?.values, !texts.isEmpty else { throw APIError.badField("input", "must be a string or a non-empty list of strings") }
                let model = try self.model(named: e.model)
                let vectors = try await model.embed(texts)
                return jsonResponse(JSONValue.object([
                    "object": .string("list"), "model": .string(model.name),
                    "data": .array(vectors.enumerated().map { i, v in
                        .object(["object": .string("embedding"), "index": .number(Double(i)), "embedding": .array(v.map { .number(Double($0)) })])
                    }),
                    "usage": .object(["prompt_tokens": .number(0), "total_tokens": .number(0)]),
                ]))
            }
        }
        return router
    }

    // MARK: Handling

    /// Checks the key, reads the body within the size limit, runs `handle`, and turns any error
    /// into OpenAI's error shape; counts the request for /metrics.
    func answer(_ endpoint: String, _ request: Request, _ handle: (ByteBuffer) async throws -> Response) async -> Response {
        let start = Date()
        metrics.started()
        var status = 200
        defer { metrics.finished(endpoint: endpoint, status: status, seconds: Date().timeIntervalSince(start)) }
        do {
            if let apiKey, request.headers[.authorization] != "Bearer \(apiKey)" { throw APIError.unauthorized }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch is NIOTooManyBytesError {
                throw APIError.tooLarge(maxBodyBytes)
            } catch let e as HTTPError where e.status == .contentTooLarge {
                throw APIError.tooLarge(maxBodyBytes)
            }
            let response = try await handle(body)
            status = Int(response.status.code)
            return response
        } catch {
            let e = APIError.from(error)
            status = e.status.code
            return e.response
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
        guard body.readableBytes > 0 else { throw APIError.malformed("the body is empty") }
        let data = Data(body.readableBytesView)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let e as APIError {
            throw e
        } catch let e as DecodingError {
            // Distinguish text that is not JSON at all from JSON with a wrong field.
            guard let parsed = try? JSONSerialization.jsonObject(with: data) else { throw APIError.malformed("not valid JSON") }
            guard parsed is [String: Any] else { throw APIError.malformed("the body must be a JSON object") }
            throw APIError.from(e)
        }
    }

    func model(named name: String?) throws -> any LanguageModel {
        guard let name, !name.isEmpty else { return models[0] }
        guard let m = models.first(where: { $0.name == name }) else { throw APIError.unknownModel(name, served: models.map(\.name)) }
        return m
    }

    private func complete(chat: Bool, _ request: CompletionRequest, fields: SamplingFields, channel: any Channel) async throws -> Response {
        let model = try self.model(named: fields.model)
        let id = (chat ? "chatcmpl-" : "cmpl-") + Span.newID()
        let created = Int(Date().timeIntervalSince1970)
        guard fields.stream == true else {
            let c = try await ClientWatch.cancellingIfClientLeaves(channel) { try await model.complete(request) }
            metrics.count(c.usage)
            return jsonResponse(chat ? OpenAIResponses.chat(c, id: id, created: created) : OpenAIResponses.text(c, id: id, created: created))
        }
        let includeUsage = fields.stream_options?.include_usage == true
        let n = request.parameters.n
        let withTools = chat && request.parameters.offersTools
        let stream = model.stream(request)
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: ResponseBody { writer in
            // With tools, text that may begin a call is held back, and each call goes out whole.
            var calls: [ToolCallStream]? = withTools ? Array(repeating: ToolCallStream(), count: n) : nil
            var called = [Int](repeating: 0, count: n)
            func send(_ value: JSONValue) async throws {
                try await writer.write(ByteBuffer(string: "data: \(value.canonicalJSON)\n\n"))
            }
            func sendEvent(_ event: ToolCallStream.Event, choice i: Int) async throws {
                switch event {
                case .text(let text):
                    try await send(OpenAIResponses.chunk(chat: true, id: id, created: created, model: model.name, index: i, text: text))
                case .call(let name, let arguments):
                    let call = ToolCall(id: ToolCall.newID(), name: name, arguments: arguments)
                    try await send(OpenAIResponses.chunk(chat: true, id: id, created: created, model: model.name, index: i, text: nil,
                                                         toolCall: (called[i], call)))
                    called[i] += 1
                }
            }
            do {
                if chat {
                    for i in 0..<n { try await send(OpenAIResponses.chunk(chat: true, id: id, created: created, model: model.name, index: i, text: "", role: true)) }
                }
                for try await chunk in stream {  // a failed write (client gone) ends the loop and cancels the stream
                    switch chunk {
                    case .text(let i, let text, let logprobs):
                        if calls != nil, let events = calls?[i].feed(text) {
                            for e in events { try await sendEvent(e, choice: i) }
                            continue
                        }
                        try await send(OpenAIResponses.chunk(chat: chat, id: id, created: created, model: model.name, index: i, text: text,
                                                             logprobs: request.parameters.logprobs ? logprobs : nil))
                    case .done(let c):
                        metrics.count(c.usage)
                        for (i, ch) in c.choices.enumerated() {
                            for e in calls?[i].finish() ?? [] { try await sendEvent(e, choice: i) }
                            // A backend that streams no call text (a remote one) reports its calls at the end.
                            if withTools, called[i] == 0 {
                                for c in ch.toolCalls ?? [] { try await sendEvent(.call(name: c.name, arguments: c.arguments), choice: i) }
                            }
                            let finish = called[i] > 0 && ch.finishReason == .stop ? .toolCalls : ch.finishReason
                            try await send(OpenAIResponses.chunk(chat: chat, id: id, created: created, model: model.name, index: i,
                                                                 text: chat ? nil : "", finish: finish))
                        }
                        if includeUsage { try await send(OpenAIResponses.usageChunk(chat: chat, id: id, created: created, model: model.name, usage: c.usage)) }
                    }
                }
            } catch {
                // Headers are sent: report the error as a last event, as OpenAI does.
                try? await writer.write(ByteBuffer(string: "data: \(APIError.from(error).json.canonicalJSON)\n\n"))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        })
    }
}

/// The request context, with the connection the request came on (to notice a client leaving).
public struct ConnectionContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
