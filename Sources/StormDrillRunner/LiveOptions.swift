import NIOCore

/// Where the live view listens: `--live [HOST:]PORT`.
public struct LiveOptions: Sendable, Hashable {
    public var host: String
    public var port: Int

    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8600

    public init(host: String = LiveOptions.defaultHost, port: Int = LiveOptions.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Whether the address is a loopback one (anything else exposes the view to the network).
    public var isLoopback: Bool {
        let h = host.lowercased()
        return h == "127.0.0.1" || h == "::1" || h == "localhost" || h.hasPrefix("127.")
    }

    /// `8600`, `127.0.0.1:8600`, `0.0.0.0:8600` or `[::1]:8600`; nil for anything else.
    public static func parse(_ text: String) -> LiveOptions? {
        func port(_ s: Substring) -> Int? {
            guard let p = Int(s), (0...65535).contains(p) else { return nil }
            return p
        }
        if let p = port(Substring(text)) { return LiveOptions(port: p) }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let p = port(rest.dropFirst()), !host.isEmpty else { return nil }
            return LiveOptions(host: host, port: p)
        }
        guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty, let p = port(text[text.index(after: colon)...]),
            host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
        else { return nil }
        return LiveOptions(host: host, port: p)
    }
}

/// The live view's addresses and token, for the terminal (the token is printed there and nowhere else).
public struct LiveInfo: Sendable {
    public var dashboardURL: String
    public var facilitatorURL: String
    public var joinURL: String
    public var token: String
    public var options: LiveOptions
    public var port: Int
    public var gameDay: Bool
    /// The join link's QR code in Unicode half blocks.
    public var qrTerminal: String?
}
