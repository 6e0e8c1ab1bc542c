import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The campus platform as one long-running `Service` that reports only the order service's port: the embedded target
/// of `{"embedded": "campus"}` drills. It runs ``CampusPlatformServices`` (order service plus payment, dispatch and
/// notification on free ports) with a fresh temporary data folder, removed at a clean shutdown.
public struct CampusServer: Service {
    public let host: String
    public let port: Int
    public let configuration: CampusConfiguration
    let onRunning: @Sendable (Int) async -> Void
    let logger: Logger

    /// - Parameters:
    ///   - port: the order service's port; 0 picks a free port, and `onRunning` receives the one bound.
    ///   - configuration: everything else (its host and order port are replaced by `host` and `port`).
    public init(
        host: String = "127.0.0.1", port: Int = 0, configuration: CampusConfiguration = CampusConfiguration(),
        logger: Logger = Logger(label: "campus"), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        var configuration = configuration
        configuration.host = host
        configuration.orderPort = port
        self.configuration = configuration
        self.logger = logger
        self.onRunning = onRunning
    }

    public func run() async throws {
        let onRunning = self.onRunning
        let platform = CampusPlatformServices(configuration: configuration, logger: logger) { ports in
            await onRunning(ports.order)
        }
        try await platform.run()
    }
}
