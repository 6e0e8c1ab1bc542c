/// The closed set of ways a request or journey can fail. Report keys come only from here, so error tables stay
/// bounded however a target misbehaves.
public enum ErrorClass: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The response status was not accepted and is 400 or above (or any status outside `expect` that is not 2xx).
    case http(Int)
    /// No complete response within the request timeout (measured from the intended send time).
    case timeout
    /// The target refused the connection (nothing listening).
    case connectRefused
    /// The connection was reset or closed before the response was complete.
    case connectionReset
    /// The response status was accepted by HTTP but not by the step's `expect` list.
    case expectFailed
    /// The response did not contain the JSON value a step's `extract` asked for.
    case extractFailed
    /// The open model's `maxInFlight` was reached, so the arrival was not sent.
    case dropped
    /// Anything else (malformed response, DNS, …); a short message sample is kept.
    case other
    /// The request could not be sent as built: a value known only at run time (an extracted value, an environment
    /// variable) would put a control character or line break into the request line or a header. Nothing was sent.
    case invalidRequest
    /// TLS: the server's certificate chain does not lead to a trusted certificate authority.
    case tlsUnknownCA
    /// TLS: the certificate is valid but not for the host name the plan connects to.
    case tlsHostname
    /// TLS: the certificate has expired or is not valid yet.
    case tlsExpired
    /// TLS: any other handshake failure (protocol version, cipher, a certificate the server rejected, …).
    case tlsHandshake

    /// Number of distinct counter slots: 500 statuses (100–599) and 12 named classes.
    public static let slotCount = 512

    /// The report key: `http_503`, `timeout`, `connect_refused`, …
    public var key: String {
        switch self {
        case .http(let status): "http_\(status)"
        case .timeout: "timeout"
        case .connectRefused: "connect_refused"
        case .connectionReset: "connection_reset"
        case .expectFailed: "expect_failed"
        case .extractFailed: "extract_failed"
        case .dropped: "dropped"
        case .other: "other"
        case .invalidRequest: "invalid_request"
        case .tlsUnknownCA: "tls_unknown_ca"
        case .tlsHostname: "tls_hostname"
        case .tlsExpired: "tls_expired"
        case .tlsHandshake: "tls_handshake"
        }
    }

    public var description: String { key }

    /// Dense index for counter arrays.
    @inlinable
    public var slot: Int {
        switch self {
        case .http(let status): min(max(status, 100), 599) - 100
        case .timeout: 500
        case .connectRefused: 501
        case .connectionReset: 502
        case .expectFailed: 503
        case .extractFailed: 504
        case .dropped: 505
        case .other: 506
        case .invalidRequest: 507
        case .tlsUnknownCA: 508
        case .tlsHostname: 509
        case .tlsExpired: 510
        case .tlsHandshake: 511
        }
    }

    public init(slot: Int) {
        switch slot {
        case 0..<500: self = .http(slot + 100)
        case 500: self = .timeout
        case 501: self = .connectRefused
        case 502: self = .connectionReset
        case 503: self = .expectFailed
        case 504: self = .extractFailed
        case 505: self = .dropped
        case 507: self = .invalidRequest
        case 508: self = .tlsUnknownCA
        case 509: self = .tlsHostname
        case 510: self = .tlsExpired
        case 511: self = .tlsHandshake
        default: self = .other
        }
    }

    /// Parses a report key back into a class.
    public init?(key: String) {
        if key.hasPrefix("http_"), let s = Int(key.dropFirst(5)), (100...599).contains(s) {
            self = .http(s)
            return
        }
        switch key {
        case "timeout": self = .timeout
        case "connect_refused": self = .connectRefused
        case "connection_reset": self = .connectionReset
        case "expect_failed": self = .expectFailed
        case "extract_failed": self = .extractFailed
        case "dropped": self = .dropped
        case "other": self = .other
        case "invalid_request": self = .invalidRequest
        case "tls_unknown_ca": self = .tlsUnknownCA
        case "tls_hostname": self = .tlsHostname
        case "tls_expired": self = .tlsExpired
        case "tls_handshake": self = .tlsHandshake
        default: return nil
        }
    }

    public static func < (lhs: ErrorClass, rhs: ErrorClass) -> Bool { lhs.slot < rhs.slot }
}

/// Counts per error class in a fixed array: no hashing on the hot path.
public struct ErrorCounts: Sendable, Hashable {
    public var counts: [Int]

    public init() { counts = Array(repeating: 0, count: ErrorClass.slotCount) }

    @inlinable
    public mutating func add(_ c: ErrorClass, _ n: Int = 1) { counts[c.slot] += n }

    public subscript(_ c: ErrorClass) -> Int { counts[c.slot] }

    public var total: Int { counts.reduce(0, +) }

    public mutating func merge(_ other: ErrorCounts) {
        for i in 0..<counts.count { counts[i] += other.counts[i] }
    }

    /// Non-zero classes in class order.
    public var nonZero: [(ErrorClass, Int)] {
        counts.indices.compactMap { counts[$0] > 0 ? (ErrorClass(slot: $0), counts[$0]) : nil }
    }
}
