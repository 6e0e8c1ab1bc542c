import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A request as the fixture server saw it.
struct FixtureRequest: Sendable {
    var method: String
    var uri: String
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// What the fixture server answers.
struct FixtureResponse: Sendable {
    var status = 200
    var body = "{}"
    var delay = TimeAmount.zero
    var headers: [(String, String)] = [("Content-Type", "application/json")]
    /// Send `Connection: close` and close after the response.
    var close = false
    /// Use chunked transfer encoding (two chunks) instead of Content-Length.
    var chunked = false
    /// Never answer (for timeouts).
    var hang = false
    /// Ask a dependency first (`GET path` on 127.0.0.1:port, a new connection each time, at most `timeout`):
    /// answer `status` if it said 2xx, 502 otherwise. A target that calls its dependency, for fault drills.
    var dependency: (port: Int, path: String, timeout: TimeAmount)?
}

/// A loopback HTTP/1.1 server on port 0 whose answers a test scripts with a closure, in the spirit of
/// async-http-client's `HTTPBin`. Built on NIOHTTP1's server pipeline.
final class FixtureServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    private let counter = NIOLockedValueBox(0)
    private let recorded = NIOLockedValueBox<[FixtureRequest]>([])
    let record: Bool

    var port: Int { channel.localAddress?.port ?? 0 }
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requestCount: Int { counter.withLockedValue { $0 } }
    var requests: [FixtureRequest] { recorded.withLockedValue { $0 } }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, record: Bool) {
        self.group = group
        self.channel = channel
        self.record = record
    }

    /// With `tls`, every connection is TLS with that server context (an `https` target).
    static func start(
        threads: Int = 1, record: Bool = false, tls: NIOSSLContext? = nil,
        handler: @escaping @Sendable (FixtureRequest) -> FixtureResponse
    ) async throws -> FixtureServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let box = NIOLockedValueBox<FixtureServer?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                if let tls {
                    do {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        FixtureHandler(
                            handler: handler,
                            onRequest: { request in
                                box.withLockedValue { $0 }?.count(request)
                            }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = FixtureServer(group: group, channel: channel, record: record)
        box.withLockedValue { $0 = server }
        return server
    }

    private func count(_ request: FixtureRequest) {
        counter.withLockedValue { $0 += 1 }
        if record { recorded.withLockedValue { $0.append(request) } }
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class FixtureHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let handler: @Sendable (FixtureRequest) -> FixtureResponse
    let onRequest: @Sendable (FixtureRequest) -> Void
    var head: HTTPRequestHead?
    var body = ""

    init(
        handler: @escaping @Sendable (FixtureRequest) -> FixtureResponse,
        onRequest: @escaping @Sendable (FixtureRequest) -> Void
    ) {
        self.handler = handler
        self.onRequest = onRequest
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = ""
        case .body(let b):
            body += String(buffer: b)
        case .end:
            guard let head else { return }
            let request = FixtureRequest(
                method: head.method.rawValue, uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) }, body: body)
            onRequest(request)
            let response = handler(request)
            if response.hang { return }
            let keepAlive = head.isKeepAlive && !response.close
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            if let dependency = response.dependency {
                let eventLoop = context.eventLoop
                let version = head.version
                let planned = response
                Task {
                    let ok = await TestHTTP.succeeds(
                        port: dependency.port, path: dependency.path, within: dependency.timeout)
                    var failed = planned
                    failed.status = 502
                    failed.body = #"{"error": "dependency failed"}"#
                    let final = ok ? planned : failed
                    eventLoop.execute {
                        let (handler, context) = bound.value
                        handler.respond(context: context, final, version: version, keepAlive: keepAlive)
                    }
                }
                return
            }
            if response.delay > .zero {
                context.eventLoop.scheduleTask(in: response.delay) {
                    let (handler, context) = bound.value
                    handler.respond(context: context, response, version: head.version, keepAlive: keepAlive)
                }
            } else {
                respond(context: context, response, version: head.version, keepAlive: keepAlive)
            }
        }
    }

    func respond(context: ChannelHandlerContext, _ r: FixtureResponse, version: HTTPVersion, keepAlive: Bool) {
        var headers = HTTPHeaders(r.headers)
        let bytes = ByteBuffer(string: r.body)
        if r.chunked {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        } else {
            headers.add(name: "Content-Length", value: "\(bytes.readableBytes)")
        }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: r.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if r.chunked && bytes.readableBytes > 1 {
            let half = bytes.readableBytes / 2
            context.write(wrapOutboundOut(.body(.byteBuffer(bytes.getSlice(at: 0, length: half)!))), promise: nil)
            context.write(
                wrapOutboundOut(
                    .body(
                        .byteBuffer(
                            bytes.getSlice(at: half, length: bytes.readableBytes - half)!))), promise: nil)
        } else if bytes.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
        }
        let promise: EventLoopPromise<Void>? = keepAlive ? nil : context.eventLoop.makePromise()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
        if let promise {
            let channel = context.channel
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// A minimal HTTP/1.1 client for tests (one request per connection), on NIOHTTP1's client codecs.
enum TestHTTP {
    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    static func request(
        _ method: HTTPMethod = .GET, port: Int, path: String, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Response.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.pipeline.addHTTPClientHandlers().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        var h = HTTPHeaders(headers)
        // A Host given by the caller (the proxy API's DNS-rebinding tests) replaces the default.
        if !h.contains(name: "Host") { h.add(name: "Host", value: "127.0.0.1:\(port)") }
        h.add(name: "Connection", value: "close")
        if let body {
            h.add(name: "Content-Length", value: "\(body.utf8.count)")
            if !h.contains(name: "Content-Type") { h.add(name: "Content-Type", value: "application/json") }
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: h)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil) }
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil))
        let response = try await promise.futureResult.get()
        try? await channel.close()
        return response
    }

    /// Whether `GET path` on the port answers 2xx within `timeout` (false on any error).
    static func succeeds(port: Int, path: String, within timeout: TimeAmount) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                guard let r = try? await request(port: port, path: path) else { return false }
                return (200..<300).contains(r.status)
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout.nanoseconds))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
    }

    private final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Response>
        var status = 0
        var headers: [(String, String)] = []
        var body = ""

        init(promise: EventLoopPromise<Response>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                status = Int(h.status.code)
                headers = h.headers.map { ($0.name, $0.value) }
            case .body(let b):
                body += String(buffer: b)
            case .end:
                promise.succeed(Response(status: status, headers: headers, body: body))
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.eof)
        }
    }
}
