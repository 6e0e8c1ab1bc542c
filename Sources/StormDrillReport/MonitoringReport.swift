import StormDrillPlan

/// The report's `monitoring` section: what the team's Prometheus said during the drill (docs/report-format.md).
public struct MonitoringReport: Codable, Sendable, Equatable {
    /// Prometheus's base URL.
    public var prometheus: String
    /// `ALERTS` reads made, and how many failed (the last failure's reason, bounded).
    public var polls: Int
    public var failedPolls: Int
    public var lastError: String?
    /// One entry per expected alert, in plan order.
    public var alerts: [ExpectedAlertReport]
    /// Alerts that fired outside every fault's window (from its start until it recovered).
    public var falseAlarms: [AlarmReport]
    /// Every alert seen firing, in order of its first sighting (at most ``maximumObserved``).
    public var observed: [ObservedAlert]

    public static let maximumObserved = 200

    public init(
        prometheus: String, polls: Int, failedPolls: Int, lastError: String?, alerts: [ExpectedAlertReport],
        falseAlarms: [AlarmReport], observed: [ObservedAlert]
    ) {
        self.prometheus = prometheus
        self.polls = polls
        self.failedPolls = failedPolls
        self.lastError = lastError
        self.alerts = alerts
        self.falseAlarms = falseAlarms
        self.observed = observed
    }
}

/// One firing of one alert series, as polled: from the first poll that saw it to the first that did not.
public struct ObservedAlert: Codable, Sendable, Equatable {
    /// `alertname` and the other labels (without `alertstate`).
    public var alert: String
    public var labels: [String: String]
    /// First poll that saw it firing (ms from the drill start).
    public var firstMs: Double
    /// Last poll that saw it firing.
    public var lastMs: Double
    /// First poll after `lastMs` that saw it no longer firing (nil: still firing when the watch ended).
    public var resolvedMs: Double?

    public init(alert: String, labels: [String: String], firstMs: Double, lastMs: Double, resolvedMs: Double?) {
        self.alert = alert
        self.labels = labels
        self.firstMs = firstMs
        self.lastMs = lastMs
        self.resolvedMs = resolvedMs
    }

    /// `PaymentDown{dependency="payment",severity="page"}`.
    public var selector: String { ExpectedAlert.selector(alert, labels) }
}

/// An expected alert and what became of it.
public struct ExpectedAlertReport: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Fired within `within` of the fault's start.
        case detected
        /// Fired, but later than `within`.
        case late
        /// Never fired while it was watched.
        case missed
        /// The fault did not run, so there was nothing to detect.
        case faultNotRun = "fault_not_run"
        /// Prometheus could not be read while it mattered.
        case unmeasured
    }

    /// `PaymentDown` or `PaymentDown{dependency="payment"}`.
    public var alert: String
    public var fault: String
    public var withinMs: Double
    public var outcome: Outcome
    /// The fault's actual start (ms from the drill start).
    public var faultStartMs: Double?
    /// When the alert was first seen firing at or after the fault's start.
    public var firedAtMs: Double?
    /// `firedAtMs − faultStartMs` (0 when it was already firing as the fault began).
    public var timeToDetectMs: Double?
    /// When the platform recovered from the fault (the recovery analysis's point, or the fault's end).
    public var recoveredAtMs: Double?
    /// When the alert was first seen no longer firing after it fired.
    public var resolvedAtMs: Double?
    /// `resolvedAtMs − recoveredAtMs`: negative when the alert cleared before the platform had recovered.
    public var timeToResolveMs: Double?
    /// A short remark (already firing before the fault, still firing at the end, …).
    public var note: String?

    public init(
        alert: String, fault: String, withinMs: Double, outcome: Outcome, faultStartMs: Double? = nil,
        firedAtMs: Double? = nil, timeToDetectMs: Double? = nil, recoveredAtMs: Double? = nil,
        resolvedAtMs: Double? = nil, timeToResolveMs: Double? = nil, note: String? = nil
    ) {
        self.alert = alert
        self.fault = fault
        self.withinMs = withinMs
        self.outcome = outcome
        self.faultStartMs = faultStartMs
        self.firedAtMs = firedAtMs
        self.timeToDetectMs = timeToDetectMs
        self.recoveredAtMs = recoveredAtMs
        self.resolvedAtMs = resolvedAtMs
        self.timeToResolveMs = timeToResolveMs
        self.note = note
    }
}

/// An alert that fired outside every fault's window.
public struct AlarmReport: Codable, Sendable, Equatable {
    public var alert: String
    public var firstMs: Double
    public var resolvedMs: Double?
    /// The recovery analysis's unplanned incident it coincides with (a real incident rather than a false alarm).
    public var incident: Int?

    public init(alert: String, firstMs: Double, resolvedMs: Double?, incident: Int?) {
        self.alert = alert
        self.firstMs = firstMs
        self.resolvedMs = resolvedMs
        self.incident = incident
    }
}
