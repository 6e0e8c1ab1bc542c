/// What a proxy is made from: one entry of Toxiproxy's populate format (`name`, `listen`, `upstream`, `enabled`)
/// plus StormDrill's `protocol`.
public struct ProxyConfig: Sendable, Hashable {
    /// Unique in the registry.
    public var name: String
    /// Where to listen, `host:port` (port 0 picks a free one).
    public var listen: String
    /// Where to connect each client, `host:port`.
    public var upstream: String
    /// Start listening at once (default true).
    public var enabled: Bool
    /// `tcp` (default) or `http` for the per-request HTTP faults.
    public var proto: ProxyProtocol

    /// - Parameters:
    ///   - listen: default `127.0.0.1:0`, a free loopback port.
    public init(
        name: String, listen: String = "127.0.0.1:0", upstream: String, enabled: Bool = true,
        proto: ProxyProtocol = .tcp
    ) {
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = enabled
        self.proto = proto
    }
}
