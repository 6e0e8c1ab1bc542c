import NIOCore
import NIOSSL

/// TLS for `https` targets: one client context per drill, a handler per connection.
public final class TLSProvider: Sendable {
    let context: NIOSSLContext
    let serverHostname: String?

    /// Builds a client context that verifies the server against the system trust roots.
    public init(host: String) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["http/1.1"]
        context = try NIOSSLContext(configuration: configuration)
        // SNI must not carry an IP address.
        let isIP = host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
        serverHostname = isIP ? nil : host
    }

    func addHandler(to channel: any Channel) throws {
        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
        try channel.pipeline.syncOperations.addHandler(handler)
    }
}
