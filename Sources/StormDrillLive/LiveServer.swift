import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The live view's HTTP server as a long-running `Service`: the pages, `GET /events` (Server-Sent Events with
/// replay), `GET /api/state`, the participants' API and the facilitator's token-guarded actions
/// (docs/live-view.md). It listens until the service group shuts down gracefully; the session's `end` closes the
/// event streams first, so the shutdown never waits on a client.
///
/// It runs on its own event loop, never on the load engine's: serving fifty dashboards must not delay an arrival.
public struct LiveServer: Service {
    public let host: String
    /// 0 picks a free port; `onRunning` receives the bound one.
    public let port: Int
    public let session: LiveSession
    public let token: FacilitatorToken
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void
    /// The driver's Prometheus text exposition, served as `GET /metrics` (nil: no such route).
    let metrics: (@Sendable () -> [UInt8])?

    /// Bodies larger than this get 413.
    public static let maximumBody = 2048
    /// How often an idle event stream gets a comment line (proxies and phones close silent connections).
    public static let keepAliveInterval = Duration.seconds(15)

    public init(
        host: String = "127.0.0.1", port: Int = 8600, session: LiveSession, token: FacilitatorToken,
        eventLoopGroup: any EventLoopGroup, logger: Logger = Logger(label: "stormdrill.live"),
        metrics: (@Sendable () -> [UInt8])? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.metrics = metrics
        self.host = host
        self.port = port
        self.session = session
        self.token = token
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onRunning = onRunning
    }

    public func run() async throws {
        let onRunning = self.onRunning
        let app = Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "stormdrill"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
        try await app.run()
    }

    /// The routes (public for tests that serve them on their own application).
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let session = self.session
        let token = self.token
        router.get("/") { _, _ in LiveServer.asset("dashboard.html") }
        router.get("/facilitator") { _, _ in LiveServer.asset("facilitator.html") }
        router.get("/join") { _, _ in LiveServer.asset("join.html") }
        router.get("/favicon.ico") { _, _ in LiveServer.asset("favicon.svg") }
        if let metrics {
            router.get("/metrics") { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                headers[.cacheControl] = "no-store"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics())))
            }
        }
        router.get("/assets/{name}") { _, context in
            LiveServer.asset(context.parameters.get("name") ?? "")
        }
        router.get("/api/state") { _, _ in
            LiveServer.respond(LiveAnswer(status: 200, body: session.stateJSON()))
        }
        router.get("/api/qr.svg") { _, _ in
            guard let url = session.joinURL, let code = try? QRCode(encoding: url) else {
                return LiveServer.respond(.error(404, "no join link yet"))
            }
            return Response(
                status: .ok, headers: LiveServer.headers(contentType: "image/svg+xml"),
                body: .init(byteBuffer: ByteBuffer(string: code.svg(moduleSize: 8))))
        }
        router.get("/events") { request, _ in
            LiveServer.events(request, log: session.log)
        }
        router.post("/api/join") { request, _ in
            await LiveServer.withBody(request) { await session.join(body: $0) }
        }
        router.post("/api/feedback") { request, _ in
            await LiveServer.withBody(request) { await session.feedback(body: $0) }
        }
        router.post("/api/poll") { request, _ in
            await LiveServer.withBody(request) { await session.pollAnswer(body: $0) }
        }
        for action in LiveSession.Action.allCases {
            let path = action == .announce ? "announce" : action.rawValue
            router.post(RouterPath("/api/\(path)")) { request, _ in
                // The token comes first: without it nothing is read, recorded or done.
                guard token.authorizes(request.headers[.authorization]) else {
                    var response = LiveServer.respond(.error(401, "the facilitator's token is missing or wrong"))
                    response.headers[.wwwAuthenticate] = "Bearer"
                    return response
                }
                return await LiveServer.withBody(request) { await session.facilitate(action, body: $0) }
            }
        }
        return router
    }

    // MARK: - Responses

    static func headers(contentType: String) -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = contentType
        h[.cacheControl] = "no-store"
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // The console's buttons must not be clickable through someone else's frame.
        h[HTTPField.Name("X-Frame-Options")!] = "DENY"
        h[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self';"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        h[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return h
    }

    static func respond(_ answer: LiveAnswer) -> Response {
        Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: headers(contentType: "application/json; charset=utf-8"),
            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }

    static func asset(_ name: String) -> Response {
        guard let file = LiveAssets.file(named: name) else {
            return respond(.error(404, "no such file"))
        }
        return Response(
            status: .ok, headers: headers(contentType: file.contentType),
            body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    /// Reads a body of at most `maximumBody` bytes (413 beyond) and hands it on.
    static func withBody(_ request: Request, _ handle: ([UInt8]) async -> LiveAnswer) async -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBody {
            return respond(.error(413, "the body is larger than \(maximumBody) bytes"))
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBody)
        } catch {
            return respond(.error(413, "the body is larger than \(maximumBody) bytes"))
        }
        return respond(await handle(Array(body.readableBytesView)))
    }

    /// `GET /events`: the missed events after `Last-Event-ID` (or `?lastEventId=`), then the live stream.
    static func events(_ request: Request, log: LiveEventLog) -> Response {
        let header = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int($0.trimmingSpaces()) }
        let query = request.uri.queryParameters.get("lastEventId").flatMap { Int($0) }
        let (replay, events) = log.subscribe(after: header ?? query)
        var headers = headers(contentType: "text/event-stream; charset=utf-8")
        // Proxies must pass each event on at once.
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                // Tell the browser how soon to come back after a drop.
                var first = "retry: 1000\n\n"
                switch replay {
                case .events(let missed):
                    for e in missed { first += e.wireFormat }
                case .reset(let oldest):
                    first += "event: reset\ndata: {\"oldestId\":\(oldest)}\n\n"
                }
                try await writer.write(ByteBuffer(string: first))
                let (chunks, feed) = AsyncStream.makeStream(of: String.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await e in events { feed.yield(e.wireFormat) }
                        feed.finish()
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: keepAliveInterval)
                            feed.yield(": keep-alive\n\n")
                        }
                    }
                    for await chunk in chunks {
                        try await writer.write(ByteBuffer(string: chunk))
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
    }
}
