/// A test on the first sample of a PromQL instant query: `above`, `below` or `equals` a number. An empty answer
/// (no series) does not hold: `ALERTS{alertname="PaymentDown"}` answers nothing while the alert is not firing.
public struct SampleCondition: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
        case above, below, equals
    }

    public var comparison: Comparison
    public var value: Double

    public init(_ comparison: Comparison, _ value: Double) {
        self.comparison = comparison
        self.value = value
    }

    /// Whether the first sample (nil: none) meets the condition; NaN never does.
    public func holds(_ sample: Double?) -> Bool {
        guard let v = sample, !v.isNaN else { return false }
        switch comparison {
        case .above: return v > value
        case .below: return v < value
        case .equals: return v == value
        }
    }

    /// `above 0.5`.
    public var description: String { "\(comparison.rawValue) \(PlanDecoder.format(value))" }
}

/// A probe of the team's Prometheus (`"kind": "prometheus"` in `probes`): a PromQL instant query polled on the drill
/// clock, whose condition on the first sample's value is a notice like an HTTP probe's.
public struct PromQLProbe: Sendable, Hashable {
    public var name: String
    public var query: String
    public var every: PlanDuration
    public var timeout: PlanDuration
    public var condition: SampleCondition

    public init(
        name: String, query: String, every: PlanDuration = .seconds(1), timeout: PlanDuration = .seconds(1),
        condition: SampleCondition
    ) {
        self.name = name
        self.query = query
        self.every = every
        self.timeout = timeout
        self.condition = condition
    }
}

/// An `abortWhen` entry on the platform's own monitoring (`{"query": …, "above": 0.5, "for": "10s"}`): checked once a
/// second against `monitoring.prometheus`; it trips when the condition held at `forSeconds` consecutive checks.
public struct PromQLAbortCondition: Sendable, Hashable, CustomStringConvertible {
    public var query: String
    public var condition: SampleCondition
    public var forSeconds: Int

    public init(query: String, condition: SampleCondition, forSeconds: Int = 1) {
        self.query = query
        self.condition = condition
        self.forSeconds = forSeconds
    }

    /// `PromQL max(campus_breaker_state) above 1 for 5s` (the query cut at 120 characters).
    public var description: String {
        let q = query.count > 120 ? String(query.prefix(119)) + "…" : query
        return "PromQL \(q) \(condition) for \(forSeconds)s"
    }
}
