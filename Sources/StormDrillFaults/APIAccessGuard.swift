import HTTPTypes
import Hummingbird
import NIOCore
import StormDrillPlan

/// Who may drive the control API, checked before any route runs (a refused request changes nothing):
/// 1. On a loopback-bound API, the `Host` header must name loopback (`localhost`, `127.0.0.1`, `[::1]`, any port):
///    a web page on another name that rebinds its DNS to 127.0.0.1 sends its own name and gets 403. A request
///    without `Host` (HTTP/1.0 clients) passes: browsers always send one.
/// 2. Browsers are refused, as Toxiproxy does: a `Mozilla/` user agent gets 403.
/// 3. With a token configured, the request must carry it (see `ProxyAPIToken`), or it gets 401.
struct APIAccessGuard: RouterMiddleware {
    typealias Context = BasicRequestContext

    /// Check the `Host` header (the API is bound to loopback).
    let loopbackHostsOnly: Bool
    /// The token every request must carry; nil: none.
    let token: ProxyAPIToken?

    static let tokenField = HTTPField.Name(ProxyAPIToken.headerName)!
    static let hostField = HTTPField.Name("Host")!

    func handle(
        _ request: Request, context: BasicRequestContext,
        next: (Request, BasicRequestContext) async throws -> Response
    ) async throws -> Response {
        if loopbackHostsOnly {
            // The first Host header is the request's authority; any further one must pass too.
            let hosts = (request.head.authority.map { [$0] } ?? []) + request.headers[values: Self.hostField]
            if let refused = hosts.first(where: { !Self.isLoopbackHost($0) }) {
                return ToxiproxyAPI.failure(FaultProxyError.hostNotAllowed(refused))
            }
        }
        if request.headers[.userAgent]?.hasPrefix("Mozilla/") == true {
            return Response(
                status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "User agent not allowed\n")))
        }
        if let token,
            !token.authorizes(
                authorization: request.headers[values: .authorization],
                tokenHeader: request.headers[values: Self.tokenField])
        {
            var response = ToxiproxyAPI.failure(FaultProxyError.unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// Whether a `Host` value (`name`, `name:port`, `[v6]:port`) names loopback.
    static func isLoopbackHost(_ value: String) -> Bool {
        var host = Substring(value)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.firstIndex(of: ":") {
            host = host[..<colon]
        }
        return NetworkAddress.isLoopback(host: String(host))
    }
}
