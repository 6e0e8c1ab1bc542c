import StormDrillPlan

/// One second of the drill as the abort conditions see it.
public struct AbortSample: Sendable, Hashable {
    /// Requests that completed (succeeded or failed) in the second.
    public var completed: Int
    public var failed: Int
    /// Latency percentiles of the second, in microseconds.
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double

    public init(completed: Int, failed: Int, p50: Double = 0, p90: Double = 0, p95: Double = 0, p99: Double = 0) {
        self.completed = completed
        self.failed = failed
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
    }

    /// The value of `metric` this second, or nil when no request completed (nothing to judge).
    public func value(_ metric: AbortMetric) -> Double? {
        guard completed > 0 else { return nil }
        switch metric {
        case .errorRate: return Double(failed) / Double(completed)
        case .p50: return p50
        case .p90: return p90
        case .p95: return p95
        case .p99: return p99
        }
    }
}

/// Evaluates `abortWhen` once a second: a condition trips when its metric is above the limit for `forSeconds`
/// consecutive seconds. A second in which no request completed neither extends nor breaks a streak. Pure.
public struct AbortMonitor: Sendable {
    /// A condition that tripped, with the values that tripped it.
    public struct Trip: Sendable, Hashable {
        public var condition: AbortCondition
        public var observed: [Double]
    }

    public let conditions: [AbortCondition]
    private var streaks: [[Double]]
    public private(set) var tripped: Trip?

    public init(conditions: [AbortCondition]) {
        self.conditions = conditions
        self.streaks = Array(repeating: [], count: conditions.count)
    }

    /// Feeds one second; returns the first condition (in plan order) that trips, once.
    public mutating func observe(_ sample: AbortSample) -> Trip? {
        guard tripped == nil else { return nil }
        for (i, c) in conditions.enumerated() {
            guard let v = sample.value(c.metric) else { continue }
            if v > c.above {
                streaks[i].append(v)
            } else {
                streaks[i].removeAll()
            }
            if streaks[i].count >= c.forSeconds, tripped == nil {
                tripped = Trip(condition: c, observed: Array(streaks[i].suffix(c.forSeconds)))
            }
        }
        return tripped
    }
}
