import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// The platform's metrics, made through swift-metrics with a ``PrometheusMetricsFactory`` over the registry it is
/// given (never the process-wide `MetricsSystem`, which may be bootstrapped once per process), and served as
/// Prometheus text by `GET /metrics`.
///
/// - `campus_http_requests_total{route,method,status}`, `campus_http_request_duration_seconds{route}` (histogram)
/// - `campus_orders{state}`, `campus_orders_payment{state}`, `campus_outbox_messages` (gauges, set at each scrape)
/// - `campus_dependency_calls_total{dependency,outcome}`, `campus_dependency_errors_total{dependency,kind}`
/// - `campus_breaker_state{dependency}` (0 closed, 1 half-open, 2 open), `campus_incident_degraded` (0 or 1)
/// - `campus_orders_placed_total{profile,payment}`, `campus_compensation_coupons_total`
final class CampusMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5),
        ]
        self.factory = factory
    }

    func count(_ label: String, _ dimensions: [(String, String)], by amount: Int = 1) {
        let key = Self.key(label, dimensions)
        let counter = counters.withLock { cache in
            if let c = cache[key] { return c }
            let c = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            cache[key] = c
            return c
        }
        counter.increment(by: amount)
    }

    func time(_ label: String, _ dimensions: [(String, String)], nanoseconds: Int64) {
        let key = Self.key(label, dimensions)
        let timer = timers.withLock { cache in
            if let t = cache[key] { return t }
            let t = CoreMetrics.Timer(label: label, dimensions: dimensions, factory: factory)
            cache[key] = t
            return t
        }
        timer.recordNanoseconds(nanoseconds)
    }

    func set(_ label: String, _ dimensions: [(String, String)], _ value: Double) {
        let key = Self.key(label, dimensions)
        let gauge = gauges.withLock { cache in
            if let g = cache[key] { return g }
            let g = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            cache[key] = g
            return g
        }
        gauge.record(value)
    }

    /// The Prometheus text exposition of everything recorded so far.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        var key = label
        for (k, v) in dimensions {
            key += "|" + k + "=" + v
        }
        return key
    }
}
