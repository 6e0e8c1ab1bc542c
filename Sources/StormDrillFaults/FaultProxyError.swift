/// An error of the fault proxy: a short, bounded description (never a payload or an unbounded string).
public struct FaultProxyError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case proxyExists(String)
        case proxyNotFound(String)
        case toxicExists(String)
        case toxicNotFound(String)
        case invalid(String)
        case bindFailed(String)
        case missingField(String)
        case badRequestBody(String)
        case invalidStream
        case invalidToxicType(String)
        case shutDown
        case forbiddenAddress(String)
        case tooManyProxies(Int)
        case unresolvable(String)
        case unauthorized
        case hostNotAllowed(String)
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
    /// A required field (`name`, `upstream`, ...) is missing.
    public static func missingField(_ field: String) -> Self { Self(.missingField(String(field.prefix(64)))) }
    /// A request body is not the JSON expected; the reason is short and fixed by the caller.
    public static func badRequestBody(_ reason: String) -> Self { Self(.badRequestBody(String(reason.prefix(160)))) }
    /// A toxic's `stream` is neither `upstream` nor `downstream`.
    public static var invalidStream: Self { Self(.invalidStream) }
    /// No toxic type has that name.
    public static func invalidToxicType(_ type: String) -> Self { Self(.invalidToxicType(String(type.prefix(64)))) }
    /// The registry has been shut down.
    public static var shutDown: Self { Self(.shutDown) }
    /// A listen or upstream address the proxy's rules refuse (public, link-local or every interface without
    /// `--allow-remote`); the reason names the address and how to allow it.
    public static func forbiddenAddress(_ reason: String) -> Self {
        Self(.forbiddenAddress(String(reason.prefix(320))))
    }
    /// The registry already holds its maximum number of proxies.
    public static func tooManyProxies(limit: Int) -> Self { Self(.tooManyProxies(limit)) }
    /// An upstream host name that does not resolve.
    public static func unresolvable(_ host: String) -> Self { Self(.unresolvable(String(host.prefix(80)))) }
    /// The control API's token is missing or wrong.
    public static var unauthorized: Self { Self(.unauthorized) }
    /// A `Host` header the loopback-bound control API does not answer (DNS rebinding).
    public static func hostNotAllowed(_ host: String) -> Self { Self(.hostNotAllowed(String(host.prefix(80)))) }

    public var description: String {
        switch code {
        case .proxyExists(let name): "proxy already exists: \(name)"
        case .proxyNotFound(let name): "proxy not found: \(name)"
        case .toxicExists(let name): "toxic already exists: \(name)"
        case .toxicNotFound(let name): "toxic not found: \(name)"
        case .invalid(let reason): "invalid: \(reason)"
        case .bindFailed(let address): "could not listen on \(address)"
        case .missingField(let field): "missing required field: \(field)"
        case .badRequestBody(let reason): "bad request body: \(reason)"
        case .invalidStream: "stream was invalid, can be either upstream or downstream"
        case .invalidToxicType(let type): "invalid toxic type: \(type)"
        case .shutDown: "the proxy registry has been shut down"
        case .forbiddenAddress(let reason): "address not allowed: \(reason)"
        case .tooManyProxies(let limit):
            "too many proxies: this proxy holds at most \(limit) (delete some, or raise --max-proxies)"
        case .unresolvable(let host): "upstream host \(host) does not resolve to any address"
        case .unauthorized:
            "missing or wrong API token: send it as Authorization: Bearer TOKEN or X-StormDrill-Token: TOKEN"
        case .hostNotAllowed(let host):
            "Host \(host) not allowed: the API is bound to loopback and answers only Host localhost, 127.0.0.1 "
                + "or [::1] (a web page must not drive it through DNS rebinding)"
        }
    }

    /// The HTTP status Toxiproxy's API answers this error with.
    var apiStatus: Int {
        switch code {
        case .proxyExists, .toxicExists: 409
        case .proxyNotFound, .toxicNotFound: 404
        case .invalid, .missingField, .badRequestBody, .invalidStream, .invalidToxicType, .unresolvable: 400
        case .unauthorized: 401
        case .forbiddenAddress, .hostNotAllowed: 403
        // Not 409: Toxiproxy clients read 409 as "proxy already exists".
        case .tooManyProxies: 429
        case .bindFailed, .shutDown: 500
        }
    }

    /// The `error` text of Toxiproxy's API for this error (its messages, so clients that match on them still do).
    var apiMessage: String {
        switch code {
        case .proxyExists: "proxy already exists"
        case .proxyNotFound: "proxy not found"
        case .toxicExists: "toxic already exists"
        case .toxicNotFound: "toxic not found"
        case .invalidToxicType: "invalid toxic type"
        default: description
        }
    }
}
