import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `GET /metrics` (Prometheus text exposition) as a long-running `Service`, on its own thread so that a scrape never
/// waits behind the load engine's loops nor delays them. Read-only: it serves nothing else.
public struct MetricsServer: Service {
    public let host: String
    /// 0 picks a free port; `onRunning` receives the bound one.
    public let port: Int
    let metrics: DriverMetrics
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    public init(
        host: String = "127.0.0.1", port: Int, metrics: DriverMetrics,
        logger: Logger = Logger(label: "stormdrill.metrics"), onRunning: @escaping @Sendable (Int) async -> Void
    ) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.logger = logger
        self.onRunning = onRunning
    }

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let onRunning = self.onRunning
        let app = Application(
            router: MetricsServer.router(metrics),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "stormdrill"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(group),
            logger: logger)
        do {
            try await app.run()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }

    /// The one route.
    static func router(_ metrics: DriverMetrics) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ in response(metrics) }
        return router
    }

    /// The exposition as an HTTP response.
    public static func response(_ metrics: DriverMetrics) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = DriverMetrics.contentType
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
