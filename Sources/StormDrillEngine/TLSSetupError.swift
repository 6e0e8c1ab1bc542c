/// Why the TLS client of an `https` target could not be set up: the plan's CA file is missing, unreadable or holds
/// no certificate. Raised before any traffic.
public struct TLSSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Base: Hashable {
        case caMissing(String)
        case caUnreadable(String)
        case caHoldsNoCertificate(String)
        case context(String)
    }

    private let base: Base

    private init(_ base: Base) { self.base = base }

    /// The CA file does not exist.
    static func caMissing(_ path: String) -> TLSSetupError { TLSSetupError(.caMissing(path)) }
    /// The CA file exists but cannot be read (a folder, no permission).
    static func caUnreadable(_ path: String) -> TLSSetupError { TLSSetupError(.caUnreadable(path)) }
    /// The CA file holds no certificate in PEM form.
    static func caHoldsNoCertificate(_ path: String) -> TLSSetupError { TLSSetupError(.caHoldsNoCertificate(path)) }
    /// NIOSSL refused the configuration.
    static func context(_ error: any Error) -> TLSSetupError { TLSSetupError(.context(String(describing: error))) }

    public var description: String {
        switch base {
        case .caMissing(let path):
            "target.tls.ca: no such file \"\(Self.shown(path))\""
        case .caUnreadable(let path):
            "target.tls.ca: cannot read \"\(Self.shown(path))\" (not a readable file)"
        case .caHoldsNoCertificate(let path):
            "target.tls.ca: \"\(Self.shown(path))\" holds no certificate (expected one or more PEM"
                + " \"-----BEGIN CERTIFICATE-----\" blocks)"
        case .context(let text):
            "cannot set up TLS: \(text.prefix(200))"
        }
    }

    /// A path as shown in a message: at most 200 characters.
    private static func shown(_ path: String) -> String {
        path.count <= 200 ? path : "…" + path.suffix(199)
    }
}
