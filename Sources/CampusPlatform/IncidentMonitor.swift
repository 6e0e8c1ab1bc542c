import NIOCore
import Synchronization

/// The public incident notice (`GET /status`), raised and lowered from what the dependency clients see: a
/// dependency whose breaker is open or half-open, or that failed at least `minimumFailures` times at an error rate of
/// 50 % or more in the last `window`, makes the platform `degraded`; once every dependency has been healthy for the
/// quiet period the notice becomes `resolved`. The fragile profile never raises it.
final class IncidentMonitor: Sendable {
    struct Notice: Sendable, Equatable {
        var state: String
        var message: String
        var sinceMs: Int64?
        var dependencies: [Dependency: String]
    }

    private struct Health {
        var breaker = "closed"
        /// Outcomes in the window: (time, failed).
        var recent: [(at: NIODeadline, failed: Bool)] = []
        var lastFailure: NIODeadline?
    }

    private struct State {
        var health: [Dependency: Health] = [:]
        var level = "none"
        var sinceMs: Int64?
        var failing: [Dependency] = []
        var healthySince: NIODeadline?
    }

    let enabled: Bool
    let window: TimeAmount
    let quietPeriod: TimeAmount
    let minimumFailures = 3
    private let state = Mutex(State())

    init(enabled: Bool, quietPeriod: TimeAmount, window: TimeAmount = .seconds(5)) {
        self.enabled = enabled
        self.quietPeriod = quietPeriod
        self.window = window
    }

    func record(_ dependency: Dependency, failed: Bool, at now: NIODeadline) {
        state.withLock { s in
            var h = s.health[dependency] ?? Health()
            h.recent.append((now, failed))
            if h.recent.count > 256 || (h.recent.first.map { now - $0.at > window } ?? false) {
                h.recent.removeAll { now - $0.at > window }
                if h.recent.count > 256 { h.recent.removeFirst(h.recent.count - 256) }
            }
            if failed { h.lastFailure = now }
            s.health[dependency] = h
        }
    }

    func breakerChanged(_ dependency: Dependency, to name: String) {
        state.withLock { s in
            var h = s.health[dependency] ?? Health()
            h.breaker = name
            s.health[dependency] = h
        }
    }

    /// Re-evaluates the notice at `now` (wall-clock `nowMs` for `since`) and returns it.
    @discardableResult
    func evaluate(now: NIODeadline, nowMs: Int64) -> Notice {
        state.withLock { s in
            var failing: [Dependency] = []
            for dependency in Dependency.allCases {
                guard let h = s.health[dependency] else { continue }
                let recent = h.recent.filter { now - $0.at <= window }
                let failures = recent.count { $0.failed }
                let rateHigh = failures >= minimumFailures && failures * 2 >= recent.count
                if h.breaker != "closed" || rateHigh { failing.append(dependency) }
            }
            if enabled {
                if !failing.isEmpty {
                    if s.level != "degraded" || Set(failing) != Set(s.failing) {
                        if s.level != "degraded" { s.sinceMs = nowMs }
                        s.level = "degraded"
                    }
                    s.failing = failing
                    s.healthySince = nil
                } else if s.level == "degraded" {
                    let healthySince = s.healthySince ?? now
                    s.healthySince = healthySince
                    if now - healthySince >= quietPeriod {
                        s.level = "resolved"
                        s.sinceMs = nowMs
                        s.healthySince = nil
                    }
                }
            }
            var dependencies: [Dependency: String] = [:]
            for dependency in Dependency.allCases {
                dependencies[dependency] = s.health[dependency]?.breaker ?? "closed"
            }
            return Notice(
                state: s.level, message: Self.message(level: s.level, failing: s.failing), sinceMs: s.sinceMs,
                dependencies: dependencies)
        }
    }

    static func message(level: String, failing: [Dependency]) -> String {
        switch level {
        case "degraded":
            return failing.map { dependency in
                switch dependency {
                case .payment:
                    "Payments are not going through right now: your order is accepted and will be charged when "
                        + "payment recovers (or refunded); nothing is lost."
                case .dispatch:
                    "Riders cannot be assigned right now: orders are moved to a pickup point near your dorm."
                case .notification:
                    "Order messages are delayed: the status shown here is up to date and messages follow later."
                }
            }.joined(separator: " ")
        case "resolved":
            return "Service has recovered. Orders delayed by the incident receive a compensation coupon."
        default:
            return "All services are running normally."
        }
    }
}
