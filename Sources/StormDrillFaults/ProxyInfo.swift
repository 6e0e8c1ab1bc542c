/// A proxy as the registry reports it (Toxiproxy's proxy object plus `protocol`).
public struct ProxyInfo: Sendable, Hashable {
    /// Unique in its registry.
    public var name: String
    /// The address it listens on; once bound, with the bound port (a requested port 0 is replaced).
    public var listen: HostPort
    /// The address it connects each client to.
    public var upstream: HostPort
    /// False while the proxy is down: not listening, no connections.
    public var enabled: Bool
    /// `tcp` or `http`.
    public var proto: ProxyProtocol
    /// Its toxics, upstream ones first, each stream in the order they were added (as Toxiproxy lists them).
    public var toxics: [ToxicInfo]
    /// Connections open right now.
    public var openConnections: Int
}

/// A toxic as the registry reports it, with request counts for the HTTP faults.
public struct ToxicInfo: Sendable, Hashable {
    /// The toxic's configuration.
    public var toxic: Toxic
    /// For HTTP faults: requests this toxic decided on and how many it faulted (probe requests not counted).
    public var stats: HTTPToxicStats?

    /// The toxic's name.
    public var name: String { toxic.name }
}

/// Evidence counts of an HTTP fault since it was added.
public struct HTTPToxicStats: Sendable, Hashable {
    /// Requests the toxic decided on.
    public var requestsSeen: Int
    /// Requests it faulted (answered with an error, delayed or black-holed).
    public var requestsFaulted: Int

    /// - Parameters:
    ///   - requestsSeen: requests decided on.
    ///   - requestsFaulted: requests faulted.
    public init(requestsSeen: Int = 0, requestsFaulted: Int = 0) {
        self.requestsSeen = requestsSeen
        self.requestsFaulted = requestsFaulted
    }
}
