import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The campus service as a long-running `Service` bound to an address; reports its bound port once listening.
public struct CampusServer: Service {
    public let host: String
    public let port: Int
    public let service: CampusService
    let onRunning: @Sendable (Int) async -> Void
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    /// - Parameters:
    ///   - port: 0 picks a free port; `onRunning` receives the one bound.
    public init(
        host: String = "127.0.0.1", port: Int = 0, service: CampusService = CampusService(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "campus"), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.service = service
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onRunning = onRunning
    }

    public func run() async throws {
        let onRunning = self.onRunning
        let app = Application(
            router: service.makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "campus"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
        try await app.run()
    }
}
