#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address parsed strictly (`inet_pton`), with the scope that decides where StormDrill may send
/// traffic or listen: `127.evil.example` is a host name, not a loopback address.
public struct NetworkAddress: Hashable, Sendable, CustomStringConvertible {
    /// Where an address points.
    public enum Scope: String, Sendable, Hashable {
        /// 127.0.0.0/8, ::1 (and IPv4-mapped 127.x).
        case loopback
        /// 10/8, 172.16/12, 192.168/16 and IPv6 unique-local fc00::/7: a network the team runs itself.
        case privateNetwork = "private"
        /// 169.254/16 and fe80::/10. Not private: 169.254.169.254 is a cloud's metadata service.
        case linkLocal = "link-local"
        /// 0.0.0.0 and ::, which mean "every interface" when listening.
        case unspecified
        /// Everything else, including shared (100.64/10), multicast and documentation ranges.
        case publicInternet = "public"
    }

    /// The address bytes: 4 for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Parses a numeric address (`127.0.0.1`, `::1`, `[::1]`); nil for a host name or anything malformed.
    public init?(_ text: String) {
        var t = Substring(text)
        if t.hasPrefix("["), t.hasSuffix("]") { t = t.dropFirst().dropLast() }
        // A zone index (fe80::1%eth0) names an interface; the address part decides the scope.
        if let percent = t.firstIndex(of: "%") { t = t[..<percent] }
        guard !t.isEmpty, t.utf8.count <= 64, t.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let s = String(t)
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    /// Wraps raw address bytes (4 or 16).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// True for an IPv6 address.
    public var isIPv6: Bool { bytes.count == 16 }

    /// The scope of the address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) has the scope of its IPv4 part.
    public var scope: Scope {
        if bytes.count == 4 { return Self.scope(v4: bytes) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return Self.scope(v4: Array(bytes[12..<16]))
        }
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        if bytes[0..<15].allSatisfy({ $0 == 0 }), bytes[15] == 1 { return .loopback }
        if bytes[0] & 0xFE == 0xFC { return .privateNetwork }
        if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return .linkLocal }
        return .publicInternet
    }

    /// True for loopback and private networks: where a drill may send traffic without being told it may.
    public var isLoopbackOrPrivate: Bool { scope == .loopback || scope == .privateNetwork }

    private static func scope(v4 b: [UInt8]) -> Scope {
        switch (b[0], b[1]) {
        case (127, _): .loopback
        case (10, _): .privateNetwork
        case (172, 16...31): .privateNetwork
        case (192, 168): .privateNetwork
        case (169, 254): .linkLocal
        case (0, _) where b.allSatisfy({ $0 == 0 }): .unspecified
        default: .publicInternet
        }
    }

    /// The conventional text form (`inet_ntop`), without brackets.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = isIPv6 ? AF_INET6 : AF_INET
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True when `host` is a loopback address, or the name `localhost` (which resolves only to loopback).
    /// Anything else, `127.0.0.1.example.com` included, is not.
    public static func isLoopback(host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "localhost." { return true }
        return NetworkAddress(host)?.scope == .loopback
    }
}
