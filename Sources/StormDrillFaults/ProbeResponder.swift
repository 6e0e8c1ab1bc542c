import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The upstream a probe connection reaches instead of the real one: an in-process loopback server that answers a
/// tiny line protocol (TCP) or every request with 200 (HTTP), and records what reached it, so a probe can tell a
/// fault from a slow or absent responder.
///
/// TCP protocol, one command per line: `PING` → `PONG`; `SEND n` → n bytes; `RECV n` followed by n bytes →
/// `GOT n` once all arrived; `CLOSE` → `BYE`, then it closes.
final class ProbeResponder: Sendable {
    /// What reached the responder over all its connections.
    struct Observed: Sendable {
        var connections = 0
        var bytesReceived = 0
        var reads = 0
        var requests = 0
        var closedAt: NIODeadline?
    }

    let channel: any Channel
    private let box: ObservedBox

    private init(channel: any Channel, box: ObservedBox) {
        self.channel = channel
        self.box = box
    }

    var address: HostPort { HostPort(host: "127.0.0.1", port: channel.localAddress?.port ?? 0) }
    /// What reached it so far.
    var seen: Observed { box.update { $0 } }

    /// Waits until a connection to it has closed or `deadline` passes (or the task is cancelled); returns when the
    /// close arrived, if it did.
    func closed(before deadline: NIODeadline) async -> NIODeadline? {
        while seen.closedAt == nil && !Task.isCancelled && NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
        return seen.closedAt
    }

    static func start(
        http: Bool, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ProbeResponder {
        let box = ObservedBox()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    box.update { $0.connections += 1 }
                    if http {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(HTTPResponderHandler(box: box))
                    } else {
                        try channel.pipeline.syncOperations.addHandler(LineResponderHandler(box: box))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ProbeResponder(channel: channel, box: box)
    }

    func stop() async {
        try? await channel.close()
    }
}

final class ObservedBox: Sendable {
    private let state = Mutex(ProbeResponder.Observed())
    func update<T>(_ body: (inout ProbeResponder.Observed) -> T) -> T { state.withLock { body(&$0) } }
}

private final class LineResponderHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let box: ObservedBox
    private var buffer = ByteBuffer()
    private var receiving = 0
    private var receivingTotal = 0

    init(box: ObservedBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        box.update {
            $0.bytesReceived += input.readableBytes
            $0.reads += 1
        }
        buffer.writeBuffer(&input)
        process(context: context)
    }

    private func process(context: ChannelHandlerContext) {
        while true {
            if receiving > 0 {
                let take = min(receiving, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: take)
                receiving -= take
                if receiving > 0 { return }
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "GOT \(receivingTotal)\n")), promise: nil)
            }
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return }
            let line = buffer.readString(length: newline - buffer.readerIndex) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            let parts = line.split(separator: " ")
            switch parts.first {
            case "PING":
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "PONG\n")), promise: nil)
            case "SEND":
                let n = min(Int(parts.dropFirst().first ?? "") ?? 0, 64 << 20)
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(repeating: UInt8(ascii: "x"), count: n)), promise: nil)
            case "RECV":
                receivingTotal = min(Int(parts.dropFirst().first ?? "") ?? 0, 64 << 20)
                receiving = receivingTotal
                if receiving == 0 {
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "GOT 0\n")), promise: nil)
                }
            case "CLOSE":
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "BYE\n"))).whenComplete { _ in
                    channel.close(promise: nil)
                }
                return
            default:
                break
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        box.update { $0.closedAt = now }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

private final class HTTPResponderHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let box: ObservedBox
    private var keepAlive = true

    init(box: ObservedBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            box.update { $0.requests += 1 }
        case .body:
            break
        case .end:
            let body = ByteBuffer(string: "stormdrill probe responder\n")
            var headers = HTTPHeaders([("content-type", "text/plain"), ("content-length", "\(body.readableBytes)")])
            if !keepAlive { headers.add(name: "connection", value: "close") }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil
            )
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let keepAlive = self.keepAlive
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        box.update { $0.closedAt = now }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
