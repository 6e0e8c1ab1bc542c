import StormDrillPlan

/// A `host:port` address as Toxiproxy writes them: `127.0.0.1:8474`, `localhost:0`, `[::1]:9000`.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// The host name or IP address, without brackets.
    public var host: String
    /// The port; 0 asks the system for a free one when listening.
    public var port: Int

    /// - Parameters:
    ///   - host: a host name or IP address (an IPv6 address without brackets).
    ///   - port: 0 to 65535.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`; an empty host (`:8080`) means 127.0.0.1.
    public init(parsing text: String) throws {
        let trimmed = Substring(text).trimmedWhitespace
        let hostPart: Substring
        let portPart: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw FaultProxyError.invalid("address \"\(text.prefix(80))\": missing ]")
            }
            hostPart = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw FaultProxyError.invalid("address \"\(text.prefix(80))\": expected host:port")
            }
            portPart = rest.dropFirst()
        } else {
            guard let colon = trimmed.lastIndex(of: ":"), !trimmed[..<colon].contains(":") else {
                throw FaultProxyError.invalid("address \"\(text.prefix(80))\": expected host:port")
            }
            hostPart = trimmed[..<colon]
            portPart = trimmed[trimmed.index(after: colon)...]
        }
        guard let port = Int(portPart), (0...65535).contains(port) else {
            throw FaultProxyError.invalid("address \"\(text.prefix(80))\": port must be 0 to 65535")
        }
        self.host = hostPart.isEmpty ? "127.0.0.1" : String(hostPart)
        self.port = port
    }

    /// `host:port`, with brackets around an IPv6 address.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// True for a loopback address (127.0.0.0/8, ::1, parsed strictly) and the name `localhost`; a name such as
    /// `127.evil.example` is not loopback.
    public var isLoopback: Bool { NetworkAddress.isLoopback(host: host) }

    /// The address a local client connects to for this listen address: a wildcard host becomes loopback.
    var connectable: HostPort {
        switch host {
        case "0.0.0.0", "": HostPort(host: "127.0.0.1", port: port)
        case "::", "[::]": HostPort(host: "::1", port: port)
        default: self
        }
    }
}

extension Substring {
    fileprivate var trimmedWhitespace: Substring {
        let blank: Set<Character> = [" ", "\t", "\n", "\r"]
        var s = self
        while let f = s.first, blank.contains(f) { s = s.dropFirst() }
        while let l = s.last, blank.contains(l) { s = s.dropLast() }
        return s
    }
}
