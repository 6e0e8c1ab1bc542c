import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One proxy with Toxiproxy's semantics: a listener that pairs every accepted client with a new connection to the
/// upstream, the toxics applied to those connections (changes reach open connections too), and the enabled flag:
/// disabled closes the listening socket (connects are refused) and every open connection; enabled binds the same
/// address again. Thread-safe; the registry serialises lifecycle changes.
final class FaultProxy: Sendable {
    struct ConnectionHandle: Sendable {
        let eventLoop: any EventLoop
        let connection: NIOLoopBound<ProxyConnection>
    }

    private struct State {
        var listen: HostPort
        var upstream: HostPort
        /// The upstream's checked addresses, connected to instead of resolving the name again; empty: by name.
        var upstreamAddresses: [SocketAddress]
        var proto: ProxyProtocol
        var enabled = false
        var listener: (any Channel)?
        var toxics: [ToxicRuntime] = []
        var version = 0
        var nextToxicID: UInt64 = 1
        var connections: [Int: ConnectionHandle] = [:]
        var nextConnectionID = 0
        var probes: [Int: ProbeRoute] = [:]
    }

    let name: String
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state: Mutex<State>
    static let upstreamConnectTimeout = TimeAmount.seconds(5)

    /// - Parameters:
    ///   - upstreamAddresses: the addresses checked for `upstream` (see `ProxyRules`); empty connects by name.
    init(
        name: String, listen: HostPort, upstream: HostPort, upstreamAddresses: [SocketAddress] = [],
        proto: ProxyProtocol, group: any EventLoopGroup, logger: Logger
    ) {
        self.name = name
        self.group = group
        self.logger = logger
        self.state = Mutex(
            State(listen: listen, upstream: upstream, upstreamAddresses: upstreamAddresses, proto: proto))
    }

    var isEnabled: Bool { state.withLock { $0.enabled } }
    var listen: HostPort { state.withLock { $0.listen } }
    var upstream: HostPort { state.withLock { $0.upstream } }
    var upstreamAddresses: [SocketAddress] { state.withLock { $0.upstreamAddresses } }
    var proto: ProxyProtocol { state.withLock { $0.proto } }

    var info: ProxyInfo {
        state.withLock { s in
            ProxyInfo(
                name: name, listen: s.listen, upstream: s.upstream, enabled: s.enabled, proto: s.proto,
                toxics: Self.ordered(s.toxics).map { ToxicInfo(toxic: $0.toxic, stats: $0.http?.stats) },
                openConnections: s.connections.count)
        }
    }

    /// Toxiproxy lists upstream toxics first, then downstream ones, each in the order they were added.
    private static func ordered(_ toxics: [ToxicRuntime]) -> [ToxicRuntime] {
        toxics.filter { $0.toxic.stream == .upstream } + toxics.filter { $0.toxic.stream == .downstream }
    }

    // MARK: lifecycle

    /// Binds the listen address (a port 0 is replaced by the bound one and kept for later re-enables).
    func start() async throws {
        let address = state.withLock { $0.listen }
        if state.withLock({ $0.enabled }) { return }
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { [self] child in self.accept(child) }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            logger.warning("proxy \(name): could not listen on \(address): \(error)")
            throw FaultProxyError.bindFailed(address.description)
        }
        let bound = channel.localAddress
        state.withLock { s in
            s.listener = channel
            s.enabled = true
            s.listen = HostPort(host: bound?.ipAddress ?? address.host, port: bound?.port ?? address.port)
        }
        logger.info("proxy \(name) listening on \(self.listen), upstream \(self.upstream)")
    }

    /// Closes the listener and every open connection (past their toxics).
    func stop() async {
        let (listener, connections) = state.withLock { s in
            s.enabled = false
            let taken = (s.listener, Array(s.connections.values))
            s.listener = nil
            return taken
        }
        try? await listener?.close()
        for handle in connections {
            try? await handle.eventLoop.submit { handle.connection.value.abort() }.get()
        }
        if listener != nil { logger.info("proxy \(name) disabled") }
    }

    /// Changes the addresses (only while stopped; the registry stops and restarts around it).
    func setAddresses(listen: HostPort, upstream: HostPort, upstreamAddresses: [SocketAddress]) {
        state.withLock {
            $0.listen = listen
            $0.upstream = upstream
            $0.upstreamAddresses = upstreamAddresses
        }
    }

    // MARK: accepting

    private func accept(_ child: any Channel) -> EventLoopFuture<Void> {
        let remote = child.remoteAddress
        let (id, upstream, addresses, proto, route) = state.withLock { s in
            s.nextConnectionID += 1
            var route: ProbeRoute?
            if let port = remote?.port, let ip = remote?.ipAddress, ip == "127.0.0.1" || ip == "::1" {
                route = s.probes[port]
            }
            return (s.nextConnectionID, s.upstream, s.upstreamAddresses, s.proto, route)
        }
        route?.markAccepted()
        let loop = child.eventLoop
        let connection = ProxyConnection(id: id, eventLoop: loop, probe: route)
        let started = connection.start(
            client: child, upstream: route?.responder ?? upstream, addresses: route == nil ? addresses : [],
            proto: proto,
            connectTimeout: Self.upstreamConnectTimeout)
        let snapshot = state.withLock { s -> ToxicSnapshot? in
            // Accepted just as the proxy went down: `stop()` has already taken its list of connections, so this one
            // must not join it and outlive the outage.
            guard s.enabled else { return nil }
            s.connections[id] = ConnectionHandle(eventLoop: loop, connection: NIOLoopBound(connection, eventLoop: loop))
            return ToxicSnapshot(version: s.version, toxics: s.toxics)
        }
        guard let snapshot else {
            connection.abort()
            return started.flatMapThrowing { _ in throw ChannelError.ioOnClosedChannel }
        }
        connection.apply(snapshot)
        child.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: id) }
        }
        let name = self.name
        let logger = self.logger
        let bound = NIOLoopBound(connection, eventLoop: loop)
        return started.flatMapErrorThrowing { error in
            // Past every toxic, so the bootstrap's close reaches the client socket at once (a graceful close would
            // wait for writes that can never complete on a channel that was never registered), as Toxiproxy closes
            // the client when the upstream cannot be dialled.
            bound.value.abort()
            logger.debug("proxy \(name): upstream \(upstream) not reachable: \(error)")
            throw error
        }
    }

    // MARK: probes

    func registerProbe(port: Int, route: ProbeRoute) {
        state.withLock { $0.probes[port] = route }
    }

    func unregisterProbe(port: Int) {
        _ = state.withLock { $0.probes.removeValue(forKey: port) }
    }

    // MARK: toxics

    var toxics: [ToxicInfo] { info.toxics }

    func toxic(named name: String) throws -> ToxicInfo {
        guard let t = info.toxics.first(where: { $0.name == name }) else { throw FaultProxyError.toxicNotFound(name) }
        return t
    }

    func addToxic(_ toxic: Toxic) throws -> ToxicInfo {
        try toxic.validate()
        let info = try state.withLock { s -> ToxicInfo in
            if toxic.kind.isHTTP && s.proto != .http {
                throw FaultProxyError.invalid("\(toxic.kind.typeName) needs a proxy with protocol http")
            }
            if s.toxics.contains(where: { $0.toxic.name == toxic.name }) {
                throw FaultProxyError.toxicExists(toxic.name)
            }
            let counters = toxic.kind.isHTTP ? HTTPToxicCounters() : nil
            s.toxics.append(ToxicRuntime(id: s.nextToxicID, revision: 0, toxic: toxic, http: counters))
            s.nextToxicID += 1
            s.version += 1
            return ToxicInfo(toxic: toxic, stats: counters?.stats)
        }
        broadcast()
        return info
    }

    /// Replaces a toxic's attributes and toxicity (its type and stream stay, as in Toxiproxy).
    func updateToxic(named name: String, _ change: (Toxic) throws -> Toxic) throws -> ToxicInfo {
        let info = try state.withLock { s -> ToxicInfo in
            guard let i = s.toxics.firstIndex(where: { $0.toxic.name == name }) else {
                throw FaultProxyError.toxicNotFound(name)
            }
            var updated = try change(s.toxics[i].toxic)
            updated.name = s.toxics[i].toxic.name
            updated.stream = s.toxics[i].toxic.stream
            guard updated.kind.typeName == s.toxics[i].toxic.kind.typeName else {
                throw FaultProxyError.invalid("a toxic's type cannot change")
            }
            try updated.validate()
            s.toxics[i].toxic = updated
            s.toxics[i].revision += 1
            s.version += 1
            return ToxicInfo(toxic: updated, stats: s.toxics[i].http?.stats)
        }
        broadcast()
        return info
    }

    func removeToxic(named name: String) throws {
        try state.withLock { s in
            guard let i = s.toxics.firstIndex(where: { $0.toxic.name == name }) else {
                throw FaultProxyError.toxicNotFound(name)
            }
            s.toxics.remove(at: i)
            s.version += 1
        }
        broadcast()
    }

    func removeAllToxics() {
        let changed = state.withLock { s -> Bool in
            guard !s.toxics.isEmpty else { return false }
            s.toxics.removeAll()
            s.version += 1
            return true
        }
        if changed { broadcast() }
    }

    /// Sends the current toxics to every open connection.
    private func broadcast() {
        let (snapshot, handles) = state.withLock { s in
            (ToxicSnapshot(version: s.version, toxics: s.toxics), Array(s.connections.values))
        }
        for handle in handles {
            handle.eventLoop.execute { handle.connection.value.apply(snapshot) }
        }
    }
}
