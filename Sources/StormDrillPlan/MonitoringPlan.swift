/// The plan's `monitoring` section: the team's Prometheus, polled on the drill clock for the alerts the drill
/// expects its faults to raise.
public struct MonitoringPlan: Sendable, Hashable {
    /// Prometheus's base URL (its HTTP API is under `/api/v1`).
    public var prometheus: TargetURL
    /// How often `ALERTS` is read (default 1 s).
    public var every: PlanDuration
    public var expectAlerts: [ExpectedAlert]
    /// The plan's `probes` of kind `prometheus`, in plan order.
    public var probes: [PromQLProbe] = []
    /// The plan's `abortWhen` entries with a `query`.
    public var abortWhen: [PromQLAbortCondition] = []

    public static let defaultEvery = PlanDuration.seconds(1)

    public init(
        prometheus: TargetURL, every: PlanDuration = MonitoringPlan.defaultEvery, expectAlerts: [ExpectedAlert],
        probes: [PromQLProbe] = [], abortWhen: [PromQLAbortCondition] = []
    ) {
        self.prometheus = prometheus
        self.every = every
        self.expectAlerts = expectAlerts
        self.probes = probes
        self.abortWhen = abortWhen
    }
}

/// An alert a fault must raise: `{"alert": "PaymentDown", "during": "fault:payment-outage", "within": "2m"}`.
public struct ExpectedAlert: Sendable, Hashable {
    /// The alert's name (`alertname`).
    public var alert: String
    /// Labels the firing alert must carry (all of them, with these values).
    public var labels: [String: String]
    /// The fault it must detect.
    public var fault: String
    /// How long after the fault's actual start it must fire.
    public var within: PlanDuration

    public init(alert: String, labels: [String: String] = [:], fault: String, within: PlanDuration) {
        self.alert = alert
        self.labels = labels
        self.fault = fault
        self.within = within
    }

    /// `PaymentDown{dependency="payment"}`.
    public var selector: String { ExpectedAlert.selector(alert, labels) }

    /// An alert's name with its labels in PromQL selector form, labels sorted (the report's and the timeline's key).
    public static func selector(_ alert: String, _ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return alert }
        let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
        return alert + "{" + pairs.joined(separator: ",") + "}"
    }
}
