import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

/// The order service as a `Service`: waits for its dependencies' addresses, opens the store, serves the API and runs
/// the background work; on graceful shutdown it stops taking requests, stops the background work, commits what is
/// queued, closes the store and shuts the HTTP client down.
struct OrderServer: Service {
    let configuration: CampusConfiguration
    let board: PortBoard
    let registry: PrometheusCollectorRegistry
    let exposition: CampusExposition
    let logger: Logger

    func run() async throws {
        let (directory, temporary) = try Self.dataDirectory(configuration.dataDirectory)
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }
        var urls: [Dependency: String] = [:]
        let ports = self.board
        for (dependency, configured, slot) in [
            (Dependency.payment, configuration.paymentURL, PortBoard.Slot.payment),
            (.dispatch, configuration.dispatchURL, .dispatch),
            (.notification, configuration.notificationURL, .notification),
        ] {
            if let configured {
                guard configured.hasPrefix("http://") else { throw CampusPlatformError.badURL(configured) }
                urls[dependency] = configured
            } else {
                // A dependency that cannot bind ends the group gracefully: stop waiting for its port then, or the
                // shutdown would wait here forever.
                guard let port = await cancelWhenGracefulShutdown({ await ports.port(slot) }) else { return }
                // The platform's own dependencies always listen on loopback (see CampusPlatformServices).
                urls[dependency] = "http://127.0.0.1:\(port)"
            }
        }
        let timing = configuration.timing
        let store = try await CampusOrderStore.open(
            directory: directory, flushInterval: configuration.profile == .fragile ? timing.fragileFlushInterval : nil)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // Fail a request at once when its connection cannot be made: the profile decides what to do (the resilient
        // one retries with jitter behind a breaker). AsyncHTTPClient's own backoff kept retrying connections long
        // after a dependency came back, so the breaker's probes timed out and the payment notice never cleared.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.timeout = .init(connect: .seconds(2))
        let client = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: clientConfiguration)
        let metrics = CampusMetrics(registry: registry)
        let monitor = IncidentMonitor(
            enabled: configuration.profile == .resilient, quietPeriod: TimeAmount(timing.recoveryQuietPeriod))
        func dependencyClient(_ dependency: Dependency) -> DependencyClient {
            DependencyClient(
                dependency: dependency, baseURL: urls[dependency] ?? "", client: client, profile: configuration.profile,
                timing: timing, monitor: monitor, metrics: metrics)
        }
        let processor = OrderProcessor(
            store: store, profile: configuration.profile, timing: timing, payment: dependencyClient(.payment),
            dispatch: dependencyClient(.dispatch), notification: dependencyClient(.notification), monitor: monitor,
            metrics: metrics, logger: logger)
        let board = self.board
        let app = Application(
            router: CampusService(processor: processor).makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.orderPort), serverName: "campus"),
            onServerRunning: { channel in await board.post(.order, channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: logger)
        let background = Task { await processor.runBackground() }
        exposition.setRefresh { processor.refreshGauges() }
        defer { exposition.setRefresh(nil) }
        var failure: (any Error)?
        do {
            try await app.run()
        } catch {
            failure = error
        }
        background.cancel()
        await background.value
        await store.close()
        try? await client.shutdown()
        if let failure { throw failure }
    }

    /// The configured folder, or a fresh temporary one (removed afterwards).
    static func dataDirectory(_ configured: String?) throws -> (String, Bool) {
        if let configured { return (configured, false) }
        let path = NSTemporaryDirectory() + "campus-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CampusPlatformError.badDataDirectory(path)
        }
        return (path, true)
    }
}
