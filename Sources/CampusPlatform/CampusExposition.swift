import Prometheus
import Synchronization

/// The platform's Prometheus text exposition for a host process that serves it on its own scrape target (the driver
/// in embedded mode adds it to its `/metrics`): the gauges read at scrape time are set first, as the order service's
/// own `GET /metrics` does.
public final class CampusExposition: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let refresh = Mutex<(@Sendable () -> Void)?>(nil)

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Set by the order service once it runs (before that the scrape-time gauges are simply absent).
    func setRefresh(_ body: (@Sendable () -> Void)?) {
        refresh.withLock { $0 = body }
    }

    /// The exposition of everything the platform recorded so far.
    public func text() -> [UInt8] {
        let body = refresh.withLock { $0 }
        body?()
        return registry.emitToBuffer()
    }
}
