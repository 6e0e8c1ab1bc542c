/// How StormDrill checks an `https` target's certificate (`target.tls`). Verification itself is never optional:
/// these settings only say whom to trust and which name the certificate must carry.
public struct TargetTLS: Sendable, Hashable {
    /// A PEM file with one or more CA certificates. When set, the server's chain must lead to one of them, and only
    /// to them: the system's trust roots are not used. Relative paths in a plan are resolved against the plan
    /// file's folder when the plan is loaded, so this is the path to open.
    public var ca: String?
    /// The DNS name the server's certificate must be valid for, also sent as SNI; nil: the `baseURL`'s host.
    public var serverName: String?

    public init(ca: String? = nil, serverName: String? = nil) {
        self.ca = ca
        self.serverName = serverName
    }
}
