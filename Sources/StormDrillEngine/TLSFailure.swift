import NIOCore
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A TLS failure on a load connection, already classified: NIOSSL's error turned into one of the four `tls_*`
/// classes with a short message that says what was wrong with the certificate.
struct TLSFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// One of `.tlsUnknownCA`, `.tlsHostname`, `.tlsExpired` and `.tlsHandshake`.
    let errorClass: ErrorClass
    let message: String

    var description: String { message }

    /// What the certificate was checked against, for messages.
    struct Expectation: Sendable, Hashable {
        /// The DNS name or IP address the certificate must be valid for.
        var name: String
        /// Whom the chain must lead to: "the system's trust roots", "a CA in target.tls.ca".
        var trusted: String
    }

    /// Classifies an error NIOSSL raised on a connection, or returns nil for one that is not about the handshake.
    ///
    /// BoringSSL reports every failed chain check as `CERTIFICATE_VERIFY_FAILED` without the reason, so the
    /// server's certificate (`peer`, read from the connection after the failure) tells the two apart: outside its
    /// validity period at `now` is `tls_expired`, otherwise the chain does not lead to a trusted CA
    /// (`tls_unknown_ca`). The verification itself is BoringSSL's and NIOSSL's; this only names its outcome.
    static func classify(
        _ error: any Error, peer: NIOSSLCertificate?, expected: Expectation, now: time_t
    ) -> TLSFailure? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return TLSFailure(
                errorClass: .tlsHostname, message: "the certificate is not valid for \(shown(expected.name))")
        }
        guard case .handshakeFailed(let boring) = error as? NIOSSLError else { return nil }
        let reasons = reasons(of: boring)
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            if let peer, now > peer.notValidAfter {
                return TLSFailure(
                    errorClass: .tlsExpired,
                    message: "the certificate of \(shown(expected.name)) expired \(date(peer.notValidAfter))")
            }
            if let peer, now < peer.notValidBefore {
                return TLSFailure(
                    errorClass: .tlsExpired,
                    message: "the certificate of \(shown(expected.name)) is not valid before"
                        + " \(date(peer.notValidBefore))")
            }
            return TLSFailure(
                errorClass: .tlsUnknownCA,
                message: "the certificate of \(shown(expected.name)) is not signed by \(expected.trusted)")
        }
        if reasons.contains("EOF during handshake") {
            return TLSFailure(
                errorClass: .tlsHandshake, message: "the server closed the connection during the TLS handshake")
        }
        let shownReasons = reasons.isEmpty ? "\(boring)" : reasons.joined(separator: ", ")
        return TLSFailure(
            errorClass: .tlsHandshake, message: "TLS handshake failed: \(String(shownReasons.prefix(100)))")
    }

    /// BoringSSL's reason names in an error stack: `CERTIFICATE_VERIFY_FAILED` out of
    /// `Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at file.cc:123`.
    static func reasons(of error: BoringSSLError) -> [String] {
        guard case .sslError(let stack) = error else { return [] }
        return stack.map { entry in
            let text = entry.description
            guard let start = text.firstRange(of: "error:") else {
                // A synthetic entry ("EOF during handshake") has no code.
                return String(text.drop { $0 != " " }.dropFirst().drop { $0 == " " })
            }
            let rest = text[start.upperBound...]
            let code = rest.firstRange(of: " at ").map { rest[..<$0.lowerBound] } ?? rest
            return String(code.split(separator: ":").last ?? code)
        }
    }

    /// A name as shown in a message: at most 64 characters.
    private static func shown(_ name: String) -> String {
        name.count <= 64 ? name : String(name.prefix(63)) + "…"
    }

    /// `2025-06-01 12:00 UTC`.
    static func date(_ t: time_t) -> String {
        var seconds = t
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "at \(t) s after 1970" }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
            + " \(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }
}
