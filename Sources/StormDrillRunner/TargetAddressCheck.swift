import NIOCore
import StormDrillFaults
import StormDrillPlan

/// Where a drill is about to send traffic, resolved once and checked before any of it: the target, the target
/// process's readiness URL and every dependency's upstream. Addresses outside loopback and the private networks need
/// the plan's consent (`target.allowPublic`) or the command line's (`--allow-target HOST`), so that a mistyped
/// `--var host=` never aims a lunch-peak load at someone else's server.
public struct TargetAddressCheck: Sendable {
    /// One host the drill will connect to, and why.
    public struct Destination: Sendable, Hashable {
        /// The plan key that names it (`target.baseURL`, `dependencies[1].upstream`).
        public var source: String
        public var host: String
        public var port: Int
        /// What connects to it.
        public var role: Role

        public enum Role: Sendable, Hashable {
            case target, readiness, monitoring
            case dependency(Int)
        }
    }

    /// What the check found: the address to connect to for each destination (no second lookup later).
    public struct Resolved: Sendable {
        /// The target's address, for the load engine (nil for an embedded target).
        public var target: SocketAddress?
        /// The plan with each dependency's upstream host replaced by the checked address.
        public var plan: Plan
    }

    /// A refused or unresolvable destination, with how to allow it.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// Resolves a host to every address it has (getaddrinfo: blocking; call off the event loops).
    public typealias Resolver = @Sendable (_ host: String, _ port: Int) throws -> [SocketAddress]

    /// Hosts the command line allows (`--allow-target`), compared without case.
    public var allowedHosts: Set<String>
    public var resolver: Resolver

    public init(allowedHosts: [String] = [], resolver: @escaping Resolver = TargetAddressCheck.resolveAll) {
        self.allowedHosts = Set(allowedHosts.map { TargetAddressCheck.normalised($0) })
        self.resolver = resolver
    }

    /// The hosts a plan sends traffic to.
    public static func destinations(of plan: Plan) -> [Destination] {
        var out: [Destination] = []
        if case .url(let url) = plan.target.endpoint {
            out.append(Destination(source: "target.baseURL", host: url.host, port: url.port, role: .target))
        }
        if let ready = plan.target.process?.ready {
            out.append(
                Destination(source: "target.process.ready", host: ready.host, port: ready.port, role: .readiness))
        }
        if let prometheus = plan.monitoring?.prometheus {
            out.append(
                Destination(
                    source: "monitoring.prometheus", host: prometheus.host, port: prometheus.port, role: .monitoring))
        }
        for (i, d) in plan.dependencies.enumerated() {
            out.append(
                Destination(
                    source: "dependencies[\(i)].upstream", host: d.upstream.host, port: d.upstream.port,
                    role: .dependency(i)))
        }
        return out
    }

    /// Resolves and checks every destination of `plan`.
    public func check(_ plan: Plan) -> Result<Resolved, Refusal> {
        var resolved = Resolved(target: nil, plan: plan)
        for destination in Self.destinations(of: plan) {
            let addresses: [SocketAddress]
            do {
                addresses = try resolver(destination.host, destination.port)
            } catch {
                return .failure(
                    Refusal(
                        description:
                            "\(destination.source): cannot resolve \"\(destination.host)\": \(error)"
                            .prefix(300).description))
            }
            guard let first = addresses.first else {
                return .failure(
                    Refusal(description: "\(destination.source): \"\(destination.host)\" has no address"))
            }
            let allowed = plan.target.allowPublic || allowedHosts.contains(Self.normalised(destination.host))
            if !allowed, let outside = addresses.first(where: { !Self.isLoopbackOrPrivate($0) }) {
                let ip = outside.ipAddress ?? "\(outside)"
                let scope = Self.networkAddress(outside)?.scope.rawValue ?? "unknown"
                return .failure(
                    Refusal(
                        description: "\(destination.source): \"\(destination.host)\" resolves to \(ip), a \(scope)"
                            + " address; a drill sends traffic only to loopback and private networks unless told"
                            + " it may: set \"target.allowPublic\": true in the plan, or run with --allow-target"
                            + " \(destination.host)"))
            }
            switch destination.role {
            case .target:
                resolved.target = first
            case .dependency(let i):
                // The proxy connects to the address just checked, not to a name that could resolve elsewhere later.
                if let ip = first.ipAddress { resolved.plan.dependencies[i].upstream.host = ip }
            case .monitoring:
                // Over plain HTTP the watcher connects to the checked address itself (over TLS the certificate
                // names the host, so the name stays and is looked up again by the HTTP client).
                if resolved.plan.monitoring?.prometheus.isTLS == false, let ip = first.ipAddress {
                    resolved.plan.monitoring?.prometheus.host = ip
                }
            case .readiness:
                break
            }
        }
        return .success(resolved)
    }

    static func normalised(_ host: String) -> String {
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        return h
    }

    static func networkAddress(_ address: SocketAddress) -> NetworkAddress? {
        address.ipAddress.flatMap(NetworkAddress.init)
    }

    static func isLoopbackOrPrivate(_ address: SocketAddress) -> Bool {
        networkAddress(address)?.isLoopbackOrPrivate ?? false
    }

    /// Every address the system resolver gives for `host` (numeric hosts without a lookup), IPv4 and IPv6.
    @Sendable public static func resolveAll(host: String, port: Int) throws -> [SocketAddress] {
        let bare = normalised(host)
        if NetworkAddress(bare) != nil { return [try SocketAddress(ipAddress: bare, port: port)] }
        return try UpstreamResolver.systemLookup(bare).map { try SocketAddress(ipAddress: $0.description, port: port) }
    }
}
