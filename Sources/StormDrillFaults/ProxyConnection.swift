import NIOCore
import NIOHTTP1
import NIOPosix

/// One client connection and its upstream connection, on one event loop: the two toxic chains, the glue or HTTP
/// handlers between them, and the toxics they currently apply. Created by the proxy's accept path; every method
/// runs on `eventLoop`.
final class ProxyConnection {
    let id: Int
    let eventLoop: any EventLoop
    let downstreamLink = ToxicLinkHandler(stream: .downstream)
    let upstreamLink = ToxicLinkHandler(stream: .upstream)
    let probe: ProbeRoute?
    private var version = -1
    private var toxics: [ToxicRuntime] = []
    private var http: HTTPFaultHandler?
    private var aborted = false

    init(id: Int, eventLoop: any EventLoop, probe: ProbeRoute?) {
        self.id = id
        self.eventLoop = eventLoop
        self.probe = probe
        if let probe {
            downstreamLink.onSelection = { probe.record($0) }
            upstreamLink.onSelection = { probe.record($0) }
        }
    }

    /// Takes a newer set of the proxy's toxics (an older one, arriving late, is ignored).
    func apply(_ snapshot: ToxicSnapshot) {
        guard snapshot.version > version else { return }
        version = snapshot.version
        toxics = snapshot.toxics
        downstreamLink.apply(toxics)
        upstreamLink.apply(toxics)
        http?.apply(toxics)
    }

    /// Closes both sides at once, past every toxic. Before the upstream is connected, the connection is only
    /// marked, and the accept path then fails (which closes the client).
    func abort() {
        aborted = true
        downstreamLink.abort()
        upstreamLink.abort()
    }

    /// Sets up the client channel and connects the upstream one; fails (and the client is closed) if the upstream
    /// cannot be reached, as Toxiproxy does.
    /// - Parameters:
    ///   - addresses: the upstream's checked addresses, tried instead of resolving its name; empty: by name.
    func start(
        client: any Channel, upstream: HostPort, addresses: [SocketAddress], proto: ProxyProtocol,
        connectTimeout: TimeAmount
    ) -> EventLoopFuture<Void> {
        let downstreamLink = self.downstreamLink
        let upstreamLink = self.upstreamLink
        upstreamLink.onReset = { [weak downstreamLink] in downstreamLink?.abort(reset: true) }
        downstreamLink.onReset = { [weak upstreamLink] in upstreamLink?.abort(reset: true) }
        let isProbe = probe != nil
        let onSelection: (([String: Bool]) -> Void)? = probe.map { probe in { probe.record($0) } }
        do {
            let sync = client.pipeline.syncOperations
            try sync.addHandler(downstreamLink)
            switch proto {
            case .tcp:
                let glue = ProxyGlueHandler(link: downstreamLink)
                try sync.addHandler(glue)
                return connectUpstream(upstream, addresses, timeout: connectTimeout) { channel in
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(upstreamLink)
                    let upstreamGlue = ProxyGlueHandler(link: upstreamLink)
                    try sync.addHandler(upstreamGlue)
                    glue.partner = upstreamGlue
                    upstreamGlue.partner = glue
                    downstreamLink.onPressureChange = { [weak upstreamGlue] pressured in
                        if !pressured { upstreamGlue?.resumeReading() }
                    }
                    upstreamLink.onPressureChange = { [weak glue] pressured in
                        if !pressured { glue?.resumeReading() }
                    }
                }
            case .http:
                try sync.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
                let handler = HTTPFaultHandler(link: downstreamLink, isProbe: isProbe)
                handler.onSelection = onSelection
                try sync.addHandler(handler)
                http = handler
                handler.apply(toxics)
                return connectUpstream(upstream, addresses, timeout: connectTimeout) { channel in
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(upstreamLink)
                    try sync.addHTTPClientHandlers()
                    let upstreamHandler = HTTPUpstreamHandler(link: upstreamLink)
                    try sync.addHandler(upstreamHandler)
                    handler.upstream = upstreamHandler
                    upstreamHandler.client = handler
                    downstreamLink.onPressureChange = { [weak upstreamHandler] pressured in
                        if !pressured { upstreamHandler?.resumeReading() }
                    }
                    upstreamLink.onPressureChange = { [weak handler] pressured in
                        if !pressured { handler?.resumeReading() }
                    }
                }
            }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    private func connectUpstream(
        _ address: HostPort, _ pinned: [SocketAddress], timeout: TimeAmount,
        configure: @escaping (any Channel) throws -> Void
    ) -> EventLoopFuture<Void> {
        let loop = eventLoop
        let pending = NIOLoopBound((self, configure), eventLoop: loop)
        return ClientBootstrap(group: loop)
            .resolver(pinned.isEmpty ? nil : PinnedResolver(addresses: pinned, eventLoop: loop))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try pending.value.1(channel)
                }
            }
            .connect(host: address.host, port: address.port)
            .flatMapThrowing { channel in
                if pending.value.0.aborted {
                    channel.close(promise: nil)
                    throw ChannelError.ioOnClosedChannel
                }
            }
    }
}

/// The proxy's toxics at one moment, numbered so a connection can ignore an older set that arrives late.
struct ToxicSnapshot: Sendable {
    var version: Int
    var toxics: [ToxicRuntime]
}
