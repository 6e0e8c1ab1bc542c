import NIOCore
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Sits right after a connection's `NIOSSLClientHandler` and turns its handshake and certificate errors into
/// `TLSFailure`s, reading the server's certificate from the TLS handler while it still has it (NIOSSL raises the
/// error before it closes the connection). Other errors and all data pass through unchanged.
final class TLSFailureHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let tls: NIOSSLClientHandler
    private let expected: TLSFailure.Expectation

    init(tls: NIOSSLClientHandler, name: String, trusted: String) {
        self.tls = tls
        self.expected = TLSFailure.Expectation(name: name, trusted: trusted)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Only a failed handshake needs the certificate.
        let peer = error is NIOSSLError ? tls.peerCertificate : nil
        let failure = TLSFailure.classify(error, peer: peer, expected: expected, now: time(nil))
        context.fireErrorCaught(failure ?? error)
    }
}
