import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps transport errors onto the closed set of `ErrorClass`es, with a short message for samples.
enum ErrorClassifier {
    static func classify(_ error: any Error) -> (ErrorClass, String) {
        if let io = error as? IOError {
            return (classify(errno: io.errnoCode), bounded("\(io)"))
        }
        if let connection = error as? NIOConnectionError {
            // All addresses failed; the first connection error says why.
            if let first = connection.connectionErrors.first {
                return classify(first.error)
            }
            if connection.dnsAAAAError != nil || connection.dnsAError != nil {
                return (.other, "could not resolve \(connection.host)")
            }
        }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout: return (.timeout, "connect timeout")
            case .ioOnClosedChannel, .eof, .outputClosed, .alreadyClosed: return (.connectionReset, "\(channel)")
            default: return (.other, bounded("\(channel)"))
            }
        }
        if let tls = error as? TLSFailure {
            return (tls.errorClass, bounded(tls.message))
        }
        if error is NIOSSLError {
            return (.other, bounded("TLS: \(error)"))
        }
        return (.other, bounded(String(describing: error)))
    }

    static func classify(errno code: Int32) -> ErrorClass {
        switch code {
        case ECONNREFUSED: .connectRefused
        case ECONNRESET, EPIPE, ECONNABORTED: .connectionReset
        case ETIMEDOUT: .timeout
        default: .other
        }
    }

    static func bounded(_ s: String) -> String {
        String(s.prefix(DrillResult.maximumErrorSampleLength))
    }
}
