import NIOCore

/// The whole client pipeline of a load connection: bytes in, handed to the loop worker's parser; the worker writes
/// pre-encoded requests straight to the channel. No per-request allocation beyond NIO's own read buffers.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let connection: Connection

    init(connection: Connection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        connection.worker.didRead(connection, &buffer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.worker.channelInactive(connection)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.worker.errorCaught(connection, error)
    }
}
