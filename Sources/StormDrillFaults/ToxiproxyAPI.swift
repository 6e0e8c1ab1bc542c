import HTTPTypes
import Hummingbird
import NIOCore
import StormDrillPlan

/// Toxiproxy 2.x's control API over a `ProxyRegistry`, so its clients (toxiproxy-python, chaostoolkit-toxiproxy,
/// the Go and Ruby clients) work unchanged: the same routes, JSON fields, defaults, status codes and error bodies
/// (`{"error": ..., "status": ...}`). Additions: the HTTP fault toxic types (`http_error`, `http_delay`,
/// `fail_first`, `blackhole`, on proxies created with `"protocol": "http"`) and a `stats` object on HTTP toxics.
public struct ToxiproxyAPI: Sendable {
    /// The registry the API changes.
    public let registry: ProxyRegistry
    /// What `GET /version` reports.
    public let version: String
    /// The token every request must carry (see `ProxyAPIToken`); nil: no token, as Toxiproxy.
    public let token: ProxyAPIToken?
    static let maximumBody = 1 << 20

    /// - Parameters:
    ///   - version: reported by `GET /version`.
    ///   - token: required on every request when set.
    public init(registry: ProxyRegistry, version: String = "stormdrill", token: ProxyAPIToken? = nil) {
        self.registry = registry
        self.version = version
        self.token = token
    }

    /// The router with every route, behind `APIAccessGuard`.
    /// - Parameters:
    ///   - host: the address the API is bound to; on loopback, only loopback `Host` headers are answered.
    public func makeRouter(boundTo host: String = "127.0.0.1") -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: APIAccessGuard(loopbackHostsOnly: NetworkAddress.isLoopback(host: host), token: token))
        let registry = self.registry
        let version = self.version

        router.get("/version") { _, _ in
            Self.respond(.ok, "{\"version\": \"\(version)\"}\n")
        }
        router.post("/reset") { _, _ in
            await Self.handle(.noContent) {
                try await registry.reset()
                return nil
            }
        }
        router.get("/proxies") { _, _ in
            let all = await registry.list()
            return Self.respond(
                .ok,
                ToxiproxyJSON.encode(
                    .object(Dictionary(uniqueKeysWithValues: all.map { ($0.name, ToxiproxyJSON.proxy($0)) }))))
        }
        router.post("/proxies") { request, _ in
            await Self.handle(.created) {
                let config = try ToxiproxyJSON.proxyConfig(ToxiproxyJSON.object(try await Self.body(request)))
                return ToxiproxyJSON.proxy(try await registry.create(config))
            }
        }
        router.post("/populate") { request, _ in
            let configs: [ProxyConfig]
            do {
                guard case .array(let items) = try await Self.body(request) else {
                    throw FaultProxyError.badRequestBody("expected a JSON array of proxies")
                }
                configs = try items.map { try ToxiproxyJSON.proxyConfig(ToxiproxyJSON.object($0)) }
            } catch {
                return Self.failure(error)
            }
            let (done, error) = await registry.populateReporting(configs)
            var object: [String: JSONValue] = ["proxies": .array(done.map(ToxiproxyJSON.proxy))]
            var status = HTTPResponse.Status.created
            if let error {
                object["error"] = .string(error.apiMessage)
                object["status"] = .number(Double(error.apiStatus))
                status = HTTPResponse.Status(code: error.apiStatus)
            }
            return Self.respond(status, ToxiproxyJSON.encode(.object(object)))
        }
        router.get("/proxies/{proxy}") { _, context in
            await Self.handle(.ok) {
                ToxiproxyJSON.proxy(try await registry.get(try Self.parameter(context, "proxy")))
            }
        }
        let updateProxy: @Sendable (Request, BasicRequestContext) async -> Response = { request, context in
            await Self.handle(.ok) {
                let name = try Self.parameter(context, "proxy")
                _ = try await registry.get(name)
                let f = JSONFields(try ToxiproxyJSON.object(try await Self.body(request)))
                return ToxiproxyJSON.proxy(
                    try await registry.update(
                        name,
                        enabled: try f.object["enabled"].flatMap { $0.isNull ? nil : try f.bool("enabled", true) },
                        listen: try f.string("listen", nil), upstream: try f.string("upstream", nil)))
            }
        }
        router.post("/proxies/{proxy}", use: updateProxy)
        router.patch("/proxies/{proxy}", use: updateProxy)
        router.delete("/proxies/{proxy}") { _, context in
            await Self.handle(.noContent) {
                try await registry.delete(try Self.parameter(context, "proxy"))
                return nil
            }
        }
        router.get("/proxies/{proxy}/toxics") { _, context in
            await Self.handle(.ok) {
                .array(try await registry.toxics(of: try Self.parameter(context, "proxy")).map(ToxiproxyJSON.toxic))
            }
        }
        router.post("/proxies/{proxy}/toxics") { request, context in
            // Toxiproxy answers a created toxic with 200, not 201; clients rely on nothing else.
            await Self.handle(.ok) {
                let name = try Self.parameter(context, "proxy")
                _ = try await registry.get(name)
                let toxic = try ToxiproxyJSON.toxic(ToxiproxyJSON.object(try await Self.body(request)))
                return ToxiproxyJSON.toxic(try await registry.addToxic(toxic, to: name))
            }
        }
        router.get("/proxies/{proxy}/toxics/{toxic}") { _, context in
            await Self.handle(.ok) {
                ToxiproxyJSON.toxic(
                    try await registry.toxic(
                        try Self.parameter(context, "toxic"), of: try Self.parameter(context, "proxy")))
            }
        }
        let updateToxic: @Sendable (Request, BasicRequestContext) async -> Response = { request, context in
            await Self.handle(.ok) {
                let proxy = try Self.parameter(context, "proxy")
                let toxic = try Self.parameter(context, "toxic")
                _ = try await registry.toxic(toxic, of: proxy)
                let body = try ToxiproxyJSON.object(try await Self.body(request))
                return ToxiproxyJSON.toxic(try await registry.updateToxic(toxic, on: proxy, json: body))
            }
        }
        router.post("/proxies/{proxy}/toxics/{toxic}", use: updateToxic)
        router.patch("/proxies/{proxy}/toxics/{toxic}", use: updateToxic)
        router.delete("/proxies/{proxy}/toxics/{toxic}") { _, context in
            await Self.handle(.noContent) {
                try await registry.removeToxic(
                    try Self.parameter(context, "toxic"), from: try Self.parameter(context, "proxy"))
                return nil
            }
        }
        return router
    }

    // MARK: helpers

    private static func parameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name) else { throw FaultProxyError.missingField(name) }
        return value
    }

    private static func body(_ request: Request) async throws -> JSONValue {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maximumBody)
        } catch {
            throw FaultProxyError.badRequestBody("larger than 1 MiB")
        }
        return try ToxiproxyJSON.decode(Array(buffer.readableBytesView))
    }

    /// Runs `body`; its JSON (or no body for nil) with `status`, or the error as Toxiproxy writes it.
    private static func handle(
        _ status: HTTPResponse.Status, _ body: () async throws -> JSONValue?
    ) async -> Response {
        do {
            guard let value = try await body() else { return Response(status: status) }
            return respond(status, ToxiproxyJSON.encode(value))
        } catch {
            return failure(error)
        }
    }

    /// The error as Toxiproxy writes it: `{"error": ..., "status": ...}` with that status.
    static func failure(_ error: any Error) -> Response {
        let apiError = (error as? FaultProxyError) ?? .invalid("\(error)")
        return respond(
            HTTPResponse.Status(code: apiError.apiStatus), ToxiproxyJSON.encode(ToxiproxyJSON.error(apiError)))
    }

    private static func respond(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
