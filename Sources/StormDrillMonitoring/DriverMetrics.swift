import Prometheus
import StormDrillEngine
import Synchronization

/// The driver's own Prometheus metrics for one drill, served as text exposition by `--metrics` and the live view.
///
/// Counters and gauges live in a swift-prometheus registry; the once-a-second merge of the engine's loops hands a
/// ``MetricsSnapshot`` of running totals to ``publish(_:)``, which adds each counter's increase since the last one, so
/// the load's hot path takes no lock and records nothing twice. The latency histograms are written as exposition
/// text from the snapshot's cumulative bucket counts: swift-prometheus's histograms take one observation at a time,
/// and replaying every request into them once a second would cost as much as the load's own recording.
///
/// - `stormdrill_info{plan,run_id,version}` 1
/// - `stormdrill_requests_total{journey,step,outcome}` (`ok` or `error`); the sum over every series is report.json's
///   `totals.requests`
/// - `stormdrill_request_errors_total{journey,step,class}` (the report's bounded error classes)
/// - `stormdrill_journeys_total{journey,outcome}`, `stormdrill_journeys_started_total`
/// - `stormdrill_requests_sent_total`, `stormdrill_dropped_total`, `stormdrill_journeys_in_flight`
/// - `stormdrill_request_latency_seconds{journey,step}` (histogram, from the intended send time) and
///   `stormdrill_request_service_seconds{journey,step}` (histogram, first byte sent to last byte received)
/// - `stormdrill_generator_lag_seconds{stat}` (`p99`, `max`)
/// - `stormdrill_fault_active{fault,type}` 0 or 1, `stormdrill_phase{phase}` 0 or 1
/// - `stormdrill_elapsed_seconds` (drill clock)
public final class DriverMetrics: Sendable {
    /// A fault of the plan, as it is labelled.
    public struct Fault: Sendable, Hashable {
        public var name: String
        public var type: String

        public init(name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    public let registry = PrometheusCollectorRegistry()
    private let extra: [@Sendable () -> [UInt8]]
    private let faultGauges: [String: Gauge]
    private let phaseGauges: [String: Gauge]
    private let state = Mutex(State())

    private struct State {
        var counters: [String: (counter: Counter, value: Int)] = [:]
        var histograms: [UInt8] = []
    }

    /// - Parameters:
    ///   - extra: other expositions served after the driver's (the embedded campus platform's, so that one scrape
    ///     target shows both).
    public init(
        plan: String, runID: String, version: String, faults: [Fault] = [], phases: [String] = [],
        extra: [@Sendable () -> [UInt8]] = []
    ) {
        self.extra = extra
        registry.makeGauge(
            descriptor: Self.name("info", "", "The drill: its plan, run id and StormDrill version (always 1)."),
            labels: [("plan", plan), ("run_id", runID), ("version", version)]
        ).set(to: 1)
        var gauges: [String: Gauge] = [:]
        for f in faults {
            let g = registry.makeGauge(
                descriptor: Self.name("fault", "active", "1 while the fault is in force, 0 otherwise."),
                labels: [("fault", f.name), ("type", f.type)])
            g.set(to: 0)
            gauges[f.name] = g
        }
        faultGauges = gauges
        var phaseGauges: [String: Gauge] = [:]
        for p in phases {
            let g = registry.makeGauge(
                descriptor: Self.name("phase", "", "1 for the drill's current phase, 0 for the others."),
                labels: [("phase", p)])
            g.set(to: 0)
            phaseGauges[p] = g
        }
        self.phaseGauges = phaseGauges
        publish(MetricsSnapshot())
    }

    /// Publishes the engine's running totals; counters only ever grow (a lower total is ignored, never subtracted).
    public func publish(_ s: MetricsSnapshot) {
        var histograms: [UInt8] = []
        histograms.reserveCapacity(4096)
        Self.appendHistogram(
            "stormdrill_request_latency_seconds",
            help: "Request latency from the intended send time (coordinated-omission correct), responses only.",
            s.steps.map { ([("journey", $0.journey), ("step", $0.step)], $0.latency) }, to: &histograms)
        Self.appendHistogram(
            "stormdrill_request_service_seconds",
            help: "Request service time, first byte sent to last byte received, responses only.",
            s.steps.map { ([("journey", $0.journey), ("step", $0.step)], $0.service) }, to: &histograms)
        state.withLock { st in
            for step in s.steps {
                let labels = [("journey", step.journey), ("step", step.step)]
                count(&st, Self.requests, labels + [("outcome", "ok")], step.ok)
                count(&st, Self.requests, labels + [("outcome", "error")], step.count - step.ok)
                for (c, n) in step.errors.nonZero {
                    count(&st, Self.requestErrors, labels + [("class", c.key)], n)
                }
            }
            for j in s.journeys {
                count(&st, Self.journeys, [("journey", j.name), ("outcome", "ok")], j.ok)
                count(&st, Self.journeys, [("journey", j.name), ("outcome", "error")], j.count - j.ok)
            }
            count(&st, Self.journeysStarted, [], s.journeysStarted)
            count(&st, Self.requestsSent, [], s.requestsSent)
            count(&st, Self.dropped, [], s.dropped)
            st.histograms = histograms
        }
        registry.makeGauge(
            descriptor: Self.name("journeys", "in_flight", "Journeys in flight at the last merge."), labels: []
        ).set(to: Double(s.inFlight))
        for (stat, value) in [("p99", s.lagP99Seconds), ("max", s.lagMaxSeconds)] {
            registry.makeGauge(
                descriptor: Self.name(
                    "generator_lag", "seconds", "How late the generator started arrivals (p99 and highest so far)."),
                labels: [("stat", stat)]
            ).set(to: value)
        }
        registry.makeGauge(
            descriptor: Self.name("elapsed", "seconds", "Seconds since the drill start."), labels: []
        ).set(to: Double(s.elapsedNanoseconds) / 1e9)
    }

    /// A fault went into or out of force.
    public func faultChanged(_ name: String, active: Bool) {
        faultGauges[name]?.set(to: active ? 1 : 0)
    }

    /// The drill entered `phase` (the others read 0).
    public func phaseChanged(_ phase: String) {
        for (name, gauge) in phaseGauges { gauge.set(to: name == phase ? 1 : 0) }
    }

    /// The text exposition (format 0.0.4) of the driver's metrics, then the extra ones.
    public func exposition() -> [UInt8] {
        var out = registry.emitToBuffer()
        state.withLock { out += $0.histograms }
        for text in extra { out += text() }
        return out
    }

    /// The `Content-Type` of ``exposition()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    // MARK: - Helpers

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "stormdrill", metricName: metric, unitName: unit, helpText: help)
    }

    private static var requests: MetricNameDescriptor {
        name("requests", "total", "Requests completed or failed, by step and outcome.")
    }
    private static var requestErrors: MetricNameDescriptor {
        name("request_errors", "total", "Failed requests by step and error class.")
    }
    private static var journeys: MetricNameDescriptor { name("journeys", "total", "Journeys that ended, by outcome.") }
    private static var journeysStarted: MetricNameDescriptor { name("journeys_started", "total", "Journeys started.") }
    private static var requestsSent: MetricNameDescriptor {
        name("requests_sent", "total", "Requests written to the wire.")
    }
    private static var dropped: MetricNameDescriptor {
        name("dropped", "total", "Arrivals not sent because maxInFlight journeys were outstanding.")
    }

    /// Raises the counter for `labels` to `total` (a counter never goes down: a lower total changes nothing).
    private func count(_ st: inout State, _ d: MetricNameDescriptor, _ labels: [(String, String)], _ total: Int) {
        var key = d.name
        for (k, v) in labels { key += "\u{0}" + k + "=" + v }
        let entry = st.counters[key] ?? (registry.makeCounter(descriptor: d, labels: labels), 0)
        if total > entry.value { entry.counter.increment(by: Int64(total - entry.value)) }
        st.counters[key] = (entry.counter, max(entry.value, total))
    }

    /// Appends one histogram family in text exposition format.
    static func appendHistogram(
        _ name: String, help: String, _ series: [([(String, String)], MetricsSnapshot.Buckets)],
        to out: inout [UInt8]
    ) {
        guard !series.isEmpty else { return }
        out += Array("# HELP \(name) \(help)\n# TYPE \(name) histogram\n".utf8)
        for (labels, buckets) in series {
            let rendered = labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
            for (i, bound) in MetricsSnapshot.bucketBounds.enumerated() {
                out += Array("\(name)_bucket{\(rendered),le=\"\(bound)\"} \(buckets.cumulative[i])\n".utf8)
            }
            out += Array("\(name)_bucket{\(rendered),le=\"+Inf\"} \(buckets.count)\n".utf8)
            out += Array("\(name)_sum{\(rendered)} \(buckets.sumSeconds)\n".utf8)
            out += Array("\(name)_count{\(rendered)} \(buckets.count)\n".utf8)
        }
    }

    /// A label value as the text format wants it: backslash, double quote and line feed escaped.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
