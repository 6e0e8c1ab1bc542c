import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A probe's client connection: everything it receives, when, and how it ended (EOF or reset). Its local port is
/// known before it connects, so the proxy can be told to route it to the probe's responder.
final class ProbeConnection: Sendable {
    /// What the connection has seen so far.
    struct Record: Sendable {
        var received = ByteBuffer()
        var reads = 0
        var firstReadAt: NIODeadline?
        var lastReadAt: NIODeadline?
        var closedAt: NIODeadline?
        var wasReset = false
        var error: String?
        /// HTTP mode: complete responses, in order.
        var responses: [Response] = []
    }

    /// One HTTP response as the probe received it (HTTP mode).
    struct Response: Sendable {
        var status: Int
        var fault: String?
        var bodyBytes: Int
        var at: NIODeadline
    }

    /// Why a connect failed: the errno name and number.
    struct ConnectFailure: Error, CustomStringConvertible {
        var code: Int32
        var description: String { code == ECONNREFUSED ? "ECONNREFUSED" : "errno \(code)" }
    }

    let channel: any Channel
    private let box: RecordBox

    private init(channel: any Channel, box: RecordBox) {
        self.channel = channel
        self.box = box
    }

    var record: Record { box.update { $0 } }

    /// Connects from a loopback port chosen first; `announce` gets that port before the connect is made.
    static func connect(
        to target: HostPort, http: Bool = false, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        announce: (Int) -> Void = { _ in }
    ) async throws -> ProbeConnection {
        let remote = try SocketAddress(ipAddress: target.host, port: target.port)
        let v6 = remote.protocol == .inet6
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConnectFailure(code: errno) }
        var owned = true
        defer { if owned { closeDescriptor(fd) } }
        let local = try SocketAddress(ipAddress: v6 ? "::1" : "127.0.0.1", port: 0)
        guard local.withSockAddr({ bind(fd, $0, socklen_t($1)) }) == 0 else { throw ConnectFailure(code: errno) }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ConnectFailure(code: errno) }
        let port: Int = withUnsafePointer(to: &storage) {
            v6
                ? SocketAddress($0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }).port ?? 0
                : SocketAddress($0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }).port ?? 0
        }
        announce(port)
        // A loopback connect completes (or is refused) at once; the kernel does the handshake before any accept.
        guard remote.withSockAddr({ connectDescriptor(fd, $0, socklen_t($1)) }) == 0 else {
            throw ConnectFailure(code: errno)
        }
        let box = RecordBox()
        owned = false
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if http {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(HTTPProbeRecorder(box: box))
                    } else {
                        try channel.pipeline.syncOperations.addHandler(ProbeRecorder(box: box))
                    }
                }
            }
            .withConnectedSocket(fd)
            .get()
        return ProbeConnection(channel: channel, box: box)
    }

    /// A plain connect without reading anything (for "is anything listening?").
    static func tryConnect(to target: HostPort) -> Result<Void, ConnectFailure> {
        do {
            let remote = try SocketAddress(ipAddress: target.host, port: target.port)
            let fd = socket(remote.protocol == .inet6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return .failure(ConnectFailure(code: errno)) }
            defer { closeDescriptor(fd) }
            if remote.withSockAddr({ connectDescriptor(fd, $0, socklen_t($1)) }) == 0 { return .success(()) }
            return .failure(ConnectFailure(code: errno))
        } catch {
            return .failure(ConnectFailure(code: EINVAL))
        }
    }

    func send(_ text: String) async throws {
        try await send(ByteBuffer(string: text))
    }

    func send(_ buffer: ByteBuffer) async throws {
        try await channel.writeAndFlush(buffer)
    }

    /// HTTP mode: sends a GET with the given extra headers.
    func sendRequest(path: String, headers: [(String, String)]) async throws {
        var h = HTTPHeaders(headers)
        h.add(name: "host", value: "stormdrill-probe")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: h)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil))
    }

    /// Waits until `condition` holds for the record or `timeout` passes; returns the record either way.
    func wait(
        timeout: TimeAmount, until condition: (Record) -> Bool
    ) async -> (met: Bool, record: Record) {
        let deadline = NIODeadline.now() + timeout
        while true {
            let r = record
            if condition(r) { return (true, r) }
            if NIODeadline.now() >= deadline { return (false, r) }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    func close() async {
        try? await channel.close()
    }
}

/// The record, shared by the connection and its handler.
private final class RecordBox: Sendable {
    private let state = Mutex(ProbeConnection.Record())
    func update<T>(_ body: (inout ProbeConnection.Record) -> T) -> T { state.withLock { body(&$0) } }
}

private final class ProbeRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let box: RecordBox

    init(box: RecordBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let now = NIODeadline.now()
        box.update { r in
            r.received.writeBuffer(&buffer)
            r.reads += 1
            if r.firstReadAt == nil { r.firstReadAt = now }
            r.lastReadAt = now
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        box.update { r in if r.closedAt == nil { r.closedAt = now } }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reset = (error as? IOError)?.errnoCode == ECONNRESET
        box.update { r in
            if reset { r.wasReset = true }
            if r.error == nil { r.error = "\(error)".prefix(120).description }
        }
        context.close(promise: nil)
    }
}

private func closeDescriptor(_ fd: CInt) {
    _ = close(fd)
}

private func connectDescriptor(_ fd: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    connect(fd, address, length)
}

private final class HTTPProbeRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let box: RecordBox
    private var status = 0
    private var fault: String?
    private var bodyBytes = 0

    init(box: RecordBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            fault = head.headers.first(name: HTTPFaultHandler.faultHeader)
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
        case .end:
            let response = Response(status: status, fault: fault, bodyBytes: bodyBytes, at: now)
            box.update { r in
                r.responses.append(response)
                r.reads += 1
                if r.firstReadAt == nil { r.firstReadAt = now }
                r.lastReadAt = now
            }
        }
    }

    typealias Response = ProbeConnection.Response

    func channelInactive(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        box.update { r in if r.closedAt == nil { r.closedAt = now } }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reset = (error as? IOError)?.errnoCode == ECONNRESET
        box.update { r in
            if reset { r.wasReset = true }
            if r.error == nil { r.error = "\(error)".prefix(120).description }
        }
        context.close(promise: nil)
    }
}
