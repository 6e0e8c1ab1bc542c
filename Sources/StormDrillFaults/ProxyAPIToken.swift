import Foundation

/// The control API's optional token (`stormdrill proxy --api-token TOKEN` or `STORMDRILL_PROXY_TOKEN`). A request
/// carries it in any of three ways: `Authorization: Bearer TOKEN`; `X-StormDrill-Token: TOKEN`; or as the password
/// of HTTP Basic authentication, which is what clients built on Go's net/http or Python's requests send when the
/// token is in the API address (`http://stormdrill:TOKEN@127.0.0.1:8474`; the user name is ignored).
public struct ProxyAPIToken: Sendable, CustomStringConvertible {
    /// The environment variable `stormdrill proxy` reads the token from when `--api-token` is not given.
    public static let environmentVariable = "STORMDRILL_PROXY_TOKEN"
    /// The header that may carry the token as it is.
    public static let headerName = "X-StormDrill-Token"

    private let expected: [UInt8]

    /// nil for an empty token (no token: the API answers everyone who passes the Host check).
    public init?(_ value: String) {
        guard !value.isEmpty else { return nil }
        expected = Array(value.utf8)
    }

    /// Never the token itself (logs, interpolation): only its length.
    public var description: String { "ProxyAPIToken(\(expected.count) bytes)" }

    /// Whether one of the request's `Authorization` values or token header values carries the token. Every value
    /// is compared in full, in time that does not depend on where the first difference is.
    func authorizes(authorization: [String], tokenHeader: [String]) -> Bool {
        var found = false
        for value in tokenHeader where matches(Array(value.utf8)) { found = true }
        for value in authorization {
            if let given = Self.credential(value), matches(given) { found = true }
        }
        return found
    }

    /// The secret of a `Bearer` or `Basic` authorization value (Basic: the part after the first colon).
    static func credential(_ authorization: String) -> [UInt8]? {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let scheme = parts[0].lowercased()
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "bearer":
            return Array(value.utf8)
        case "basic":
            guard let decoded = Data(base64Encoded: value), let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
            else { return nil }
            return Array(decoded[decoded.index(after: colon)...])
        default:
            return nil
        }
    }

    /// Constant time over the expected token: every byte is compared whatever the given value is.
    func matches(_ given: [UInt8]) -> Bool {
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for i in 0..<expected.count { difference |= expected[i] ^ (i < given.count ? given[i] : 0) }
        return difference == 0
    }
}
