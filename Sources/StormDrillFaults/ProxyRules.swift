import NIOCore
import StormDrillPlan

/// Where a registry's proxies may listen and forward to, and how many it holds: the rules that keep the control API
/// from becoming an open relay. Without `allowRemote` a proxy listens only on loopback and forwards only to
/// loopback or private addresses; an upstream host name must resolve, and every address it resolves to must be
/// loopback or private (link-local is refused: 169.254.169.254 is a cloud's metadata service). The checked addresses
/// are the ones the proxy connects to later: the name is not looked up again.
public struct ProxyRules: Sendable {
    /// The default cap on proxies in one registry.
    public static let defaultMaxProxies = 256

    /// Allow any listen address and any upstream (`--allow-remote`); upstream names are then resolved at each
    /// connect, as Toxiproxy does.
    public var allowRemote: Bool
    /// At most this many proxies at once; creating one more fails with `tooManyProxies`.
    public var maxProxies: Int
    /// How upstream host names are resolved.
    public var resolver: UpstreamResolver

    /// - Parameters:
    ///   - allowRemote: lift the address rules.
    ///   - maxProxies: the cap (default 256).
    ///   - resolver: the system resolver unless a test gives fixed answers.
    public init(
        allowRemote: Bool = false, maxProxies: Int = ProxyRules.defaultMaxProxies,
        resolver: UpstreamResolver = .system
    ) {
        self.allowRemote = allowRemote
        self.maxProxies = maxProxies
        self.resolver = resolver
    }

    /// Refuses a listen address other than loopback (a name other than `localhost` included).
    /// - Throws: `forbiddenAddress`.
    func checkListen(_ listen: HostPort) throws {
        guard !allowRemote, !listen.isLoopback else { return }
        let what = NetworkAddress(listen.host).map { Self.describe($0.scope) } ?? "a host name"
        throw FaultProxyError.forbiddenAddress(
            "listen \(Self.shown(listen)) is \(what), not loopback; it needs --allow-remote (proxies listen on "
                + "loopback only)")
    }

    /// The addresses the proxy connects to for `upstream`, each checked; empty with `allowRemote` (connect by name).
    /// - Throws: `forbiddenAddress` naming the address that is refused, `unresolvable`.
    func upstreamAddresses(_ upstream: HostPort) async throws -> [SocketAddress] {
        guard !allowRemote else { return [] }
        let numeric = NetworkAddress(upstream.host)
        let addresses: [NetworkAddress]
        if let numeric {
            addresses = [numeric]
        } else {
            addresses = try await resolver.addresses(of: upstream.host)
        }
        if let refused = addresses.first(where: { !$0.isLoopbackOrPrivate }) {
            let resolved = numeric == nil ? " resolves to \(refused), which" : ""
            throw FaultProxyError.forbiddenAddress(
                "upstream \(Self.shown(upstream))\(resolved) is \(Self.describe(refused.scope)); it needs "
                    + "--allow-remote (proxies forward to loopback and private addresses only)")
        }
        do {
            return try addresses.map { try SocketAddress(ipAddress: $0.description, port: upstream.port) }
        } catch {
            throw FaultProxyError.unresolvable(upstream.host)
        }
    }

    private static func describe(_ scope: NetworkAddress.Scope) -> String {
        switch scope {
        case .loopback: "loopback"
        case .privateNetwork: "a private address"
        case .linkLocal: "link-local (such as a cloud's metadata service)"
        case .unspecified: "every interface"
        case .publicInternet: "a public address"
        }
    }

    /// The address for a message, its host cut to 80 characters.
    private static func shown(_ address: HostPort) -> String {
        address.host.count > 80 ? "\(address.host.prefix(80))…:\(address.port)" : address.description
    }
}
