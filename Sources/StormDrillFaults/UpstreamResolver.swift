import NIOCore
import NIOPosix
import StormDrillPlan

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns an upstream host name into the addresses it stands for, so the proxy's rules can check every one of them
/// before the proxy is created. The system resolver (`getaddrinfo`, run on NIO's thread pool so no event loop or
/// actor waits on DNS) is the default; tests give fixed answers so they never send a query off the machine.
public struct UpstreamResolver: Sendable {
    private let lookup: @Sendable (String) async throws -> [NetworkAddress]

    /// - Parameters:
    ///   - lookup: the addresses of a host name; empty or throwing means it does not resolve.
    public init(_ lookup: @escaping @Sendable (String) async throws -> [NetworkAddress]) {
        self.lookup = lookup
    }

    /// `getaddrinfo`, as the proxy would connect (IPv4 and IPv6, stream sockets).
    public static let system = UpstreamResolver { host in
        try await NIOThreadPool.singleton.runIfActive { try systemLookup(host) }
    }

    /// The addresses of `host`, without duplicates, in the resolver's order.
    /// - Throws: `unresolvable` when there are none.
    func addresses(of host: String) async throws -> [NetworkAddress] {
        let found: [NetworkAddress]
        do {
            found = try await lookup(host)
        } catch {
            throw FaultProxyError.unresolvable(host)
        }
        var unique: [NetworkAddress] = []
        for address in found where !unique.contains(address) { unique.append(address) }
        guard !unique.isEmpty else { throw FaultProxyError.unresolvable(host) }
        return unique
    }

    /// Every address `getaddrinfo` gives for `host`, IPv4 and IPv6, in its order (blocking: call off the event
    /// loops). Shared by the proxy's rules and the drill's own check of where it sends traffic.
    public static func systemLookup(_ host: String) throws -> [NetworkAddress] {
        guard !host.isEmpty, host.utf8.count <= 253 else { throw FaultProxyError.unresolvable(host) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else {
            throw FaultProxyError.unresolvable(host)
        }
        defer { freeaddrinfo(first) }
        var found: [NetworkAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            // The numeric text of each address (getnameinfo), parsed strictly: no member access on the sockaddr
            // structs, whose module visibility differs between Glibc and NIO's CNIOLinux.
            if let raw = entry.pointee.ai_addr {
                var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(raw, entry.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST)
                    == 0,
                    let address = NetworkAddress(
                        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                {
                    found.append(address)
                }
            }
            next = entry.pointee.ai_next
        }
        return found
    }
}
