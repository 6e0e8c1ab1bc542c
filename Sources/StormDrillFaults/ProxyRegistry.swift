import Logging
import NIOCore
import NIOPosix

/// All fault proxies of a process, by name: the one API the drill runner and the Toxiproxy-compatible control API
/// both use. Changes are serialised (two concurrent updates of one proxy never interleave); reads are immediate.
/// Every create and address change passes the registry's `ProxyRules`: loopback listeners, loopback or private
/// upstreams and at most 256 proxies unless the rules say otherwise.
///
/// ```swift
/// let registry = ProxyRegistry()
/// let db = try await registry.create(name: "db", upstream: "127.0.0.1:5432")
/// _ = try await registry.addToxic(Toxic(kind: .latency(latency: 100, jitter: 10)), to: "db")
/// let probe = await registry.verify(proxy: "db", toxic: "latency_downstream")
/// try await registry.reset()
/// await registry.shutdown()
/// ```
public actor ProxyRegistry {
    private let group: any EventLoopGroup
    private let logger: Logger
    /// The address rules and the cap every create and update is checked against.
    public nonisolated let rules: ProxyRules
    private var proxies: [String: FaultProxy] = [:]
    private var order: [String] = []
    private var isShutDown = false
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// - Parameters:
    ///   - rules: where proxies may listen and forward to, and how many there may be (default: loopback listeners,
    ///     loopback or private upstreams, 256 proxies).
    ///   - eventLoopGroup: where listeners and connections run (default: NIO's shared group).
    ///   - logger: proxy lifecycle messages (connections are logged at debug level only).
    public init(
        rules: ProxyRules = ProxyRules(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "stormdrill.faults")
    ) {
        self.rules = rules
        self.group = eventLoopGroup
        self.logger = logger
    }

    // MARK: serialising changes

    private func acquire() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    private func proxy(_ name: String) throws -> FaultProxy {
        guard let proxy = proxies[name] else { throw FaultProxyError.proxyNotFound(name) }
        return proxy
    }

    // MARK: proxies

    /// Creates a proxy and, if `enabled`, starts listening; the info has the bound address.
    /// - Throws: `proxyExists`, `missingField`, `invalid` (an address), `forbiddenAddress` and `unresolvable` (the
    ///   rules), `tooManyProxies`, `bindFailed`.
    public func create(
        name: String, listen: String = "127.0.0.1:0", upstream: String, enabled: Bool = true,
        protocol proto: ProxyProtocol = .tcp
    ) async throws -> ProxyInfo {
        try await create(ProxyConfig(name: name, listen: listen, upstream: upstream, enabled: enabled, proto: proto))
    }

    /// Creates a proxy from a configuration (see `create(name:listen:upstream:enabled:protocol:)`).
    public func create(_ config: ProxyConfig) async throws -> ProxyInfo {
        await acquire()
        defer { release() }
        return try await createLocked(config)
    }

    private func createLocked(_ config: ProxyConfig) async throws -> ProxyInfo {
        guard !isShutDown else { throw FaultProxyError.shutDown }
        guard !config.name.isEmpty else { throw FaultProxyError.missingField("name") }
        guard !config.upstream.isEmpty else { throw FaultProxyError.missingField("upstream") }
        guard config.name.utf8.count <= 200, !config.name.contains("/") else {
            throw FaultProxyError.invalid("proxy name must be 1 to 200 bytes without /")
        }
        guard proxies[config.name] == nil else { throw FaultProxyError.proxyExists(config.name) }
        guard proxies.count < rules.maxProxies else { throw FaultProxyError.tooManyProxies(limit: rules.maxProxies) }
        let listen = try HostPort(parsing: config.listen.isEmpty ? "127.0.0.1:0" : config.listen)
        let upstream = try HostPort(parsing: config.upstream)
        try rules.checkListen(listen)
        let addresses = try await rules.upstreamAddresses(upstream)
        let proxy = FaultProxy(
            name: config.name, listen: listen, upstream: upstream, upstreamAddresses: addresses, proto: config.proto,
            group: group, logger: logger)
        if config.enabled { try await proxy.start() }
        proxies[config.name] = proxy
        order.append(config.name)
        return proxy.info
    }

    /// The proxy's current state.
    /// - Throws: `proxyNotFound`.
    public func get(_ name: String) throws -> ProxyInfo {
        try proxy(name).info
    }

    /// Every proxy, in the order they were created.
    public func list() -> [ProxyInfo] {
        order.compactMap { proxies[$0]?.info }
    }

    /// Changes a proxy; nil leaves a field as it is. A new listen or upstream address restarts the listener and
    /// closes open connections (as Toxiproxy); `enabled: false` takes the proxy down, `true` brings it back on the
    /// same address.
    /// - Throws: `proxyNotFound`, `invalid`, `forbiddenAddress`, `unresolvable`, `bindFailed`.
    public func update(
        _ name: String, enabled: Bool? = nil, listen: String? = nil, upstream: String? = nil
    ) async throws -> ProxyInfo {
        await acquire()
        defer { release() }
        let proxy = try proxy(name)
        let newListen = try listen.map { try HostPort(parsing: $0) } ?? proxy.listen
        let newUpstream = try upstream.map { try HostPort(parsing: $0) } ?? proxy.upstream
        if newListen != proxy.listen { try rules.checkListen(newListen) }
        let newAddresses =
            newUpstream != proxy.upstream ? try await rules.upstreamAddresses(newUpstream) : proxy.upstreamAddresses
        let wasEnabled = proxy.isEnabled
        let wantEnabled = enabled ?? wasEnabled
        if newListen != proxy.listen || newUpstream != proxy.upstream {
            await proxy.stop()
            proxy.setAddresses(listen: newListen, upstream: newUpstream, upstreamAddresses: newAddresses)
        }
        if wantEnabled && !proxy.isEnabled {
            try await proxy.start()
        } else if !wantEnabled && proxy.isEnabled {
            await proxy.stop()
        }
        return proxy.info
    }

    /// Stops a proxy (listener and connections) and forgets it.
    /// - Throws: `proxyNotFound`.
    public func delete(_ name: String) async throws {
        await acquire()
        defer { release() }
        let proxy = try proxy(name)
        await proxy.stop()
        proxies[name] = nil
        order.removeAll { $0 == name }
    }

    /// Toxiproxy's populate: creates each proxy; one that exists with the same addresses and protocol is kept as it
    /// is (toxics included), one that differs is replaced. Each new proxy passes the rules and counts against the
    /// cap, as with `create`.
    /// - Throws: the first error; proxies before it stay created.
    public func populate(_ configs: [ProxyConfig]) async throws -> [ProxyInfo] {
        let (infos, error) = await populateReporting(configs)
        if let error { throw error }
        return infos
    }

    /// Populate, returning what was done before an error together with the error (the API reports both).
    func populateReporting(_ configs: [ProxyConfig]) async -> ([ProxyInfo], FaultProxyError?) {
        for (i, config) in configs.enumerated() {
            if config.name.isEmpty { return ([], .missingField("name at proxy \(i + 1)")) }
            if config.upstream.isEmpty { return ([], .missingField("upstream at proxy \(i + 1)")) }
        }
        await acquire()
        defer { release() }
        var done: [ProxyInfo] = []
        for config in configs {
            do {
                if let existing = proxies[config.name] {
                    let listen = try HostPort(parsing: config.listen.isEmpty ? "127.0.0.1:0" : config.listen)
                    let upstream = try HostPort(parsing: config.upstream)
                    if existing.listen == listen && existing.upstream == upstream && existing.proto == config.proto {
                        done.append(existing.info)
                        continue
                    }
                    // A replacement the rules refuse leaves the existing proxy as it is.
                    try rules.checkListen(listen)
                    _ = try await rules.upstreamAddresses(upstream)
                    await existing.stop()
                    proxies[config.name] = nil
                    order.removeAll { $0 == config.name }
                }
                done.append(try await createLocked(config))
            } catch let error as FaultProxyError {
                return (done, error)
            } catch {
                return (done, .invalid("\(error)"))
            }
        }
        return (done, nil)
    }

    // MARK: toxics

    /// Adds a toxic; it reaches the proxy's open connections too.
    /// - Throws: `proxyNotFound`, `toxicExists`, `invalid` (an attribute, or an HTTP fault on a TCP proxy).
    public func addToxic(_ toxic: Toxic, to proxy: String) throws -> ToxicInfo {
        try self.proxy(proxy).addToxic(toxic)
    }

    /// Changes a toxic's toxicity and/or attributes (`kind` must be of the same type); nil leaves it as it is.
    /// - Throws: `proxyNotFound`, `toxicNotFound`, `invalid`.
    public func updateToxic(
        _ name: String, on proxy: String, toxicity: Double? = nil, kind: ToxicKind? = nil
    ) throws -> ToxicInfo {
        try self.proxy(proxy).updateToxic(named: name) { current in
            var next = current
            if let toxicity { next.toxicity = toxicity }
            if let kind { next.kind = kind }
            return next
        }
    }

    /// Toxiproxy's toxic update: `attributes` laid over the current ones, `toxicity` if given.
    func updateToxic(_ name: String, on proxy: String, json: [String: JSONValue]) throws -> ToxicInfo {
        try self.proxy(proxy).updateToxic(named: name) { current in
            var next = current
            let fields = JSONFields(json)
            next.toxicity = try fields.double("toxicity", current.toxicity)
            switch json["attributes"] {
            case nil, .null?: break
            case .object(let attributes)?: next.kind = try current.kind.applying(attributes)
            default: throw FaultProxyError.badRequestBody("attributes must be an object")
            }
            return next
        }
    }

    /// Removes a toxic; data it holds on open connections moves on (a `timeout` toxic's removal closes them).
    /// - Throws: `proxyNotFound`, `toxicNotFound`.
    public func removeToxic(_ name: String, from proxy: String) throws {
        try self.proxy(proxy).removeToxic(named: name)
    }

    /// The proxy's toxics, upstream first, as Toxiproxy lists them.
    /// - Throws: `proxyNotFound`.
    public func toxics(of proxy: String) throws -> [ToxicInfo] {
        try self.proxy(proxy).toxics
    }

    /// One toxic.
    /// - Throws: `proxyNotFound`, `toxicNotFound`.
    public func toxic(_ name: String, of proxy: String) throws -> ToxicInfo {
        try self.proxy(proxy).toxic(named: name)
    }

    // MARK: whole registry

    /// Toxiproxy's reset: every proxy enabled again, every toxic removed.
    /// - Throws: `bindFailed` if a proxy's address is taken meanwhile (the others are still reset).
    public func reset() async throws {
        await acquire()
        defer { release() }
        var firstError: (any Error)?
        for name in order {
            guard let proxy = proxies[name] else { continue }
            proxy.removeAllToxics()
            if !proxy.isEnabled {
                do { try await proxy.start() } catch { firstError = firstError ?? error }
            }
        }
        if let firstError { throw firstError }
    }

    /// Stops every proxy and forgets them; later creates fail.
    public func shutdown() async {
        await acquire()
        defer { release() }
        isShutDown = true
        for name in order {
            await proxies[name]?.stop()
        }
        proxies = [:]
        order = []
    }

    /// The proxy object itself, for the probes.
    func faultProxy(_ name: String) throws -> FaultProxy {
        try proxy(name)
    }
}
