import NIOCore
import NIOSSL
import StormDrillPlan

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// TLS for `https` targets: one client context per drill, a handler per connection.
///
/// The server's certificate is always verified, chain and name; nothing turns that off. The plan's `target.tls`
/// only says whom to trust (`ca`) and which name to expect (`serverName`).
public final class TLSProvider: Sendable {
    let context: NIOSSLContext
    /// The name sent as SNI; nil when the certificate is checked against an IP address (SNI cannot carry one).
    let serverHostname: String?
    /// The DNS name or IP address the certificate must be valid for.
    let verifiedName: String
    /// Whom the chain must lead to, as failure messages name it.
    let trusted: String

    /// Builds a client context that verifies the server's chain against the CA certificates in `tls.ca` when it is
    /// set (and only those), else against the system trust roots; and the certificate's name against
    /// `tls.serverName` when it is set, else against `host`.
    public init(host: String, tls: TargetTLS? = nil) throws(TLSSetupError) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["http/1.1"]
        if let path = tls?.ca {
            configuration.trustRoots = .certificates(try TLSProvider.certificates(at: path))
            trusted = "a CA in target.tls.ca"
        } else {
            trusted = "the system's trust roots"
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .context(error)
        }
        let name = tls?.serverName ?? host
        // SNI must not carry an IP address; NIOSSL then checks the certificate against the peer's address.
        let isIP = name.allSatisfy { $0.isNumber || $0 == "." } || name.contains(":")
        serverHostname = isIP ? nil : name
        verifiedName = name
    }

    /// The certificates of a PEM file of CA certificates; fails if the file is missing, unreadable or holds none.
    public static func certificates(at path: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw errno == ENOENT || errno == ENOTDIR ? .caMissing(path) : .caUnreadable(path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG, access(path, R_OK) == 0 else { throw .caUnreadable(path) }
        let certificates = (try? NIOSSLCertificate.fromPEMFile(path)) ?? []
        guard !certificates.isEmpty else { throw .caHoldsNoCertificate(path) }
        return certificates
    }

    func addHandler(to channel: any Channel) throws {
        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.pipeline.syncOperations.addHandler(
            TLSFailureHandler(tls: handler, name: verifiedName, trusted: trusted))
    }
}
