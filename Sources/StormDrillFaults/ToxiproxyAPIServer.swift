import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The Toxiproxy-compatible control API as a long-running `Service`: listens on `host:port` (port 0 picks a free
/// one; `onRunning` receives the bound port) until the service group shuts down gracefully. The registry it drives
/// is not stopped with it: the owner calls `ProxyRegistry.shutdown()`.
public struct ToxiproxyAPIServer: Service {
    /// The address to bind.
    public let host: String
    /// The port to bind; 0 picks a free one.
    public let port: Int
    /// The API's routes.
    public let api: ToxiproxyAPI
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - onRunning: called once listening, with the bound port.
    public init(
        host: String = "127.0.0.1", port: Int = 8474, api: ToxiproxyAPI,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "stormdrill.toxiproxy-api"),
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.api = api
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onRunning = onRunning
    }

    public func run() async throws {
        let onRunning = self.onRunning
        let app = Application(
            router: api.makeRouter(boundTo: host),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "stormdrill"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
        try await app.run()
    }
}
