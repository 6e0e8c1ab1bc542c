/// An error of the fault proxy: a short, bounded description (never a payload or an unbounded string).
public struct FaultProxyError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case proxyExists(String)
        case proxyNotFound(String)
        case toxicExists(String)
        case toxicNotFound(String)
        case invalid(String)
        case bindFailed(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// A proxy of that name already exists.
    public static func proxyExists(_ name: String) -> Self { Self(.proxyExists(String(name.prefix(64)))) }
    /// No proxy has that name.
    public static func proxyNotFound(_ name: String) -> Self { Self(.proxyNotFound(String(name.prefix(64)))) }
    /// A toxic of that name already exists on the proxy.
    public static func toxicExists(_ name: String) -> Self { Self(.toxicExists(String(name.prefix(64)))) }
    /// No toxic has that name on the proxy.
    public static func toxicNotFound(_ name: String) -> Self { Self(.toxicNotFound(String(name.prefix(64)))) }
    /// A configuration value is not acceptable; the reason is short and fixed by the caller.
    public static func invalid(_ reason: String) -> Self { Self(.invalid(String(reason.prefix(160)))) }
    /// The listen address could not be bound.
    public static func bindFailed(_ address: String) -> Self { Self(.bindFailed(String(address.prefix(80)))) }

    public var description: String {
        switch code {
        case .proxyExists(let name): "proxy already exists: \(name)"
        case .proxyNotFound(let name): "proxy not found: \(name)"
        case .toxicExists(let name): "toxic already exists: \(name)"
        case .toxicNotFound(let name): "toxic not found: \(name)"
        case .invalid(let reason): "invalid: \(reason)"
        case .bindFailed(let address): "could not listen on \(address)"
        }
    }
}
