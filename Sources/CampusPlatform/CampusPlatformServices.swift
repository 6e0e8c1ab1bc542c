import Logging
import Prometheus
import ServiceLifecycle

/// The whole campus platform: the order service and its three dependencies (payment, dispatch, notification), each a
/// swift-service-lifecycle `Service` on its own port.
///
/// Run it either as one service (it is a `Service` itself: its `run()` runs the four in a `ServiceGroup` that follows
/// the caller's graceful shutdown), or add ``services`` to your own group (dependencies first, so a graceful
/// shutdown stops the order service before them):
///
/// ```swift
/// let platform = CampusPlatformServices(
///     configuration: CampusConfiguration(profile: .resilient, paymentURL: "http://127.0.0.1:18091"),
///     onRunning: { ports in print("orders on \(ports.order), payment on \(ports.payment)") })
/// let group = ServiceGroup(configuration: .init(services: [platform], logger: logger))
/// try await group.run()
/// ```
///
/// `onRunning` is called once, when all four listen, with every bound port (0 in the configuration picks a free
/// one). The order service reaches each dependency at its configured base URL (e.g. a fault proxy) or, without one,
/// directly. Without a data directory it uses a fresh temporary folder and removes it after a clean shutdown.
public struct CampusPlatformServices: Service {
    public let configuration: CampusConfiguration
    /// Where the platform's metrics are registered; `GET /metrics` serves it.
    public let registry: PrometheusCollectorRegistry
    /// The platform's metrics for a host process's own scrape target (the driver's `/metrics` in embedded mode).
    public let exposition: CampusExposition
    /// Payment, dispatch, notification and the order service, in that order.
    public let services: [any Service]
    let logger: Logger

    /// - Parameters:
    ///   - registry: the Prometheus registry to record into (a fresh one by default).
    ///   - onRunning: called once with the four bound ports.
    public init(
        configuration: CampusConfiguration = CampusConfiguration(),
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger = Logger(label: "campus"),
        onRunning: @escaping @Sendable (CampusPorts) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.registry = registry
        let exposition = CampusExposition(registry: registry)
        self.exposition = exposition
        self.logger = logger
        let board = PortBoard(onRunning: onRunning)
        // The dependencies have unauthenticated admin routes (outages, gates): they stay on loopback even when the
        // order service is opened to a network (`--host 0.0.0.0` for a game day with phones).
        let host = "127.0.0.1"
        let payment = PaymentService()
        let dispatch = DispatchService()
        let notification = NotificationService()
        services = [
            DependencyServer(
                name: "payment", host: host, port: configuration.paymentPort, routes: { payment.register(on: $0) },
                logger: logger, onRunning: { await board.post(.payment, $0) }),
            DependencyServer(
                name: "dispatch", host: host, port: configuration.dispatchPort, routes: { dispatch.register(on: $0) },
                logger: logger, onRunning: { await board.post(.dispatch, $0) }),
            DependencyServer(
                name: "notification", host: host, port: configuration.notificationPort,
                routes: { notification.register(on: $0) }, logger: logger,
                onRunning: { await board.post(.notification, $0) }),
            OrderServer(
                configuration: configuration, board: board, registry: registry, exposition: exposition,
                logger: logger),
        ]
    }

    /// Runs the four services until a graceful shutdown (of the caller's group, or by cancellation).
    public func run() async throws {
        var group = ServiceGroupConfiguration(
            services: services.map {
                .init(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            }, logger: logger)
        // Whatever hangs, a shutdown ends: after 10 s the remaining services are cancelled.
        group.maximumGracefulShutdownDuration = .seconds(10)
        try await ServiceGroup(configuration: group).run()
    }
}
