import NIOCore

/// Cancels a non-streamed generation when its client closes the connection. (A streamed one
/// notices by itself: its next write fails.) The server allows half-closed connections, so a
/// client leaving shows up as an "input closed" event, or as the channel going inactive; a handler
/// placed first in the pipeline for the length of the request watches for both.
enum ClientWatch {
    static func cancellingIfClientLeaves<T: Sendable>(_ channel: any Channel,
                                                      _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await work() }
        let watcher = Watcher { task.cancel() }
        try? await channel.pipeline.addHandler(watcher, position: .first).get()
        defer { channel.pipeline.removeHandler(watcher, promise: nil) }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    final class Watcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {  // `gone` is immutable
        typealias InboundIn = NIOAny
        let gone: @Sendable () -> Void
        init(_ gone: @escaping @Sendable () -> Void) { self.gone = gone }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .inputClosed? = event as? ChannelEvent { gone() }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            gone()
            context.fireChannelInactive()
        }
    }
}
