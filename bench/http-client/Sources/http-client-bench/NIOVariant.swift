import NIOCore
import NIOHTTP1
import NIOPosix
import StormDrillPlan

/// A lean client on the stock NIOHTTP1 codecs: N channels spread round-robin over the event loops, each with
/// `addHTTPClientHandlers()` and a handler that writes the next request (head + end) when it reads `.end`.
enum NIOVariant {
    static func run(_ s: Settings) async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: s.eventLoops)
        let address = try SocketAddress.makeAddressResolvingHost(s.target.host, port: s.target.port)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: s.path)
        head.headers.add(name: "Host", value: s.hostHeader)
        head.headers.add(name: "User-Agent", value: "http-client-bench")
        let requestHead = head

        let cpu0 = CPUSample.now()
        let t0 = NIODeadline.now()
        let end = t0 + s.durationAmount
        var futures: [EventLoopFuture<Tally>] = []
        for _ in 0..<s.connections {
            let loop = group.next()
            let done = loop.makePromise(of: Tally.self)
            ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    do {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            ClosedLoopHandler(head: requestHead, end: end, done: done))
                        return channel.eventLoop.makeSucceededVoidFuture()
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                .connect(to: address)
                .whenFailure { error in done.fail(error) }
            futures.append(done.futureResult)
        }
        var total = Tally()
        for future in futures {
            do {
                total.add(try await future.get())
            } catch {
                total.errors += 1
                total.sample = total.sample ?? "connect: \(error)"
            }
        }
        let t1 = NIODeadline.now()
        let cpu1 = CPUSample.now()

        try await group.shutdownGracefully()
        return Outcome(
            variant: "nio", eventLoops: s.eventLoops, connections: s.connections, requests: total.ok,
            errors: total.errors, seconds: secondsBetween(t0, t1), cpuUser: cpu1.user - cpu0.user,
            cpuSystem: cpu1.system - cpu0.system, peakRSS: peakRSSBytes(), errorSample: total.sample)
    }
}

/// One keep-alive connection's closed loop: send, wait for `.end`, send again until the deadline.
final class ClosedLoopHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let end: NIODeadline
    private let done: EventLoopPromise<Tally>
    private var tally = Tally()
    private var statusOK = false
    private var inFlight = false
    private var finished = false

    init(head: HTTPRequestHead, end: NIODeadline, done: EventLoopPromise<Tally>) {
        self.head = head
        self.end = end
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            statusOK = response.status == .ok
        case .body:
            break
        case .end:
            inFlight = false
            if statusOK {
                tally.ok += 1
            } else {
                tally.errors += 1
                tally.sample = tally.sample ?? "unexpected status"
            }
            if NIODeadline.now() < end {
                send(context: context)
            } else {
                finish(context: context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !finished {
            tally.errors += 1
            tally.sample = tally.sample ?? "\(error)"
        }
        finish(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished && inFlight {
            tally.errors += 1
            tally.sample = tally.sample ?? "connection closed with a request in flight"
        }
        finish(context: context)
        context.fireChannelInactive()
    }

    private func send(context: ChannelHandlerContext) {
        inFlight = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func finish(context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        done.succeed(tally)
        context.close(promise: nil)
    }
}
