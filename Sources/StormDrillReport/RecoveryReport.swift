/// How the target behaved around each fault and any unplanned incident: the recovery analysis of the drill.
/// Every time is an offset from the drill start in milliseconds, on the clock of the timeline and the faults.
/// The measures are defined in docs/report-format.md ("Recovery analysis").
public struct RecoveryReport: Codable, Sendable, Equatable {
    /// Resolution of the analysis (the timeline's slice length).
    public var resolutionMs: Double
    public var settings: RecoverySettingsReport
    /// The drill's healthy reference: the steady stretch before the first fault (or the whole drill without one).
    public var baseline: BaselineReport?
    /// Stretches in which the target was outside tolerance of the baseline, in time order (planned or not).
    public var incidents: [IncidentReport]
    /// One entry per fault of the plan, in plan order.
    public var faults: [FaultImpactReport]
    /// Mean incident duration (impact start to recovery) over all incidents; nil when there was none.
    public var mttrMs: Double?
    /// Incidents still open when the drill ended.
    public var unrecovered: Int

    public init(
        resolutionMs: Double, settings: RecoverySettingsReport, baseline: BaselineReport?,
        incidents: [IncidentReport], faults: [FaultImpactReport], mttrMs: Double?, unrecovered: Int
    ) {
        self.resolutionMs = resolutionMs
        self.settings = settings
        self.baseline = baseline
        self.incidents = incidents
        self.faults = faults
        self.mttrMs = mttrMs
        self.unrecovered = unrecovered
    }
}

/// The tolerances the analysis used (from the plan's `analysis` or the defaults).
public struct RecoverySettingsReport: Codable, Sendable, Equatable {
    /// A slice is degraded when its error rate exceeds the baseline's by more than this (absolute share).
    public var errorTolerance: Double
    /// … or its p99 exceeds the baseline p99 times this factor (and by at least `latencyFloorMs`).
    public var latencyFactor: Double
    public var latencyFloorMs: Double
    /// … or its successful completions fall below this share of the baseline's.
    public var throughputFloor: Double
    /// Recovered means back within tolerance and staying there for this long.
    public var stableForMs: Double
    /// Degraded stretches shorter than this are noise, not incidents.
    public var minIncidentMs: Double

    public init(
        errorTolerance: Double, latencyFactor: Double, latencyFloorMs: Double, throughputFloor: Double,
        stableForMs: Double, minIncidentMs: Double
    ) {
        self.errorTolerance = errorTolerance
        self.latencyFactor = latencyFactor
        self.latencyFloorMs = latencyFloorMs
        self.throughputFloor = throughputFloor
        self.stableForMs = stableForMs
        self.minIncidentMs = minIncidentMs
    }
}

/// The healthy reference the analysis compares against.
public struct BaselineReport: Codable, Sendable, Equatable {
    public var fromMs: Double
    public var toMs: Double
    /// Successful requests per second.
    public var throughput: Double
    /// Failed requests over completed requests.
    public var errorRate: Double
    /// p99 of the slices' intended-time latency (ms): the 99th percentile over requests, approximated per slice.
    public var p99Ms: Double
    /// Whether throughput and latency were steady over the window (coefficient of variation of the per-second
    /// throughput under 0.25 and no degraded second); a ramp or a warm-up is not steady.
    public var steady: Bool

    public init(fromMs: Double, toMs: Double, throughput: Double, errorRate: Double, p99Ms: Double, steady: Bool) {
        self.fromMs = fromMs
        self.toMs = toMs
        self.throughput = throughput
        self.errorRate = errorRate
        self.p99Ms = p99Ms
        self.steady = steady
    }
}

/// One stretch in which the target was outside tolerance of its baseline.
public struct IncidentReport: Codable, Sendable, Equatable {
    /// 1-based, in time order.
    public var id: Int
    /// Start of the first degraded slice.
    public var startMs: Double
    /// End of the last degraded slice before a stable stretch: when it recovered; nil if it had not by the end.
    public var recoveredAtMs: Double?
    /// `recoveredAtMs − startMs`, or until the end of the drill when it did not recover.
    public var durationMs: Double
    public var recovered: Bool
    /// The fault whose window it overlaps, nil for an unplanned incident.
    public var fault: String?
    /// What was out of tolerance at some point: `errors`, `latency`, `throughput`.
    public var causes: [String]
    /// Worst slice error rate, worst slice p99 (ms).
    public var worstErrorRate: Double
    public var worstP99Ms: Double
    /// Successful requests below the baseline rate over the incident (never negative).
    public var throughputLost: Double
    /// Requests that failed during the incident.
    public var failedRequests: Int

    public init(
        id: Int, startMs: Double, recoveredAtMs: Double?, durationMs: Double, recovered: Bool, fault: String?,
        causes: [String], worstErrorRate: Double, worstP99Ms: Double, throughputLost: Double, failedRequests: Int
    ) {
        self.id = id
        self.startMs = startMs
        self.recoveredAtMs = recoveredAtMs
        self.durationMs = durationMs
        self.recovered = recovered
        self.fault = fault
        self.causes = causes
        self.worstErrorRate = worstErrorRate
        self.worstP99Ms = worstP99Ms
        self.throughputLost = throughputLost
        self.failedRequests = failedRequests
    }
}

/// One fault of the plan and what it did to the target.
public struct FaultImpactReport: Codable, Sendable, Equatable {
    public var fault: String
    /// The realised window (actual times; planned when the fault was skipped).
    public var startMs: Double
    public var endMs: Double?
    /// Whether a sustained deviation from the baseline began inside the window (the fault was detected).
    public var impacted: Bool
    /// The incident it caused.
    public var incident: Int?
    /// Fault start to the first degraded slice.
    public var timeToImpactMs: Double?
    public var impactDurationMs: Double?
    /// Fault end to recovery; 0 when the target recovered before the fault ended; nil when it never recovered
    /// (or was never impacted).
    public var timeToRecoverMs: Double?
    /// False only when impacted and still degraded at the end of the drill.
    public var recovered: Bool
    public var worstErrorRate: Double
    public var worstP99Ms: Double
    public var throughputLost: Double
    /// Per notice probe: fault start to the first sample that showed the notice, and recovery to the first sample
    /// that no longer did.
    public var notices: [NoticeReport]

    public init(
        fault: String, startMs: Double, endMs: Double?, impacted: Bool, incident: Int?, timeToImpactMs: Double?,
        impactDurationMs: Double?, timeToRecoverMs: Double?, recovered: Bool, worstErrorRate: Double,
        worstP99Ms: Double, throughputLost: Double, notices: [NoticeReport] = []
    ) {
        self.fault = fault
        self.startMs = startMs
        self.endMs = endMs
        self.impacted = impacted
        self.incident = incident
        self.timeToImpactMs = timeToImpactMs
        self.impactDurationMs = impactDurationMs
        self.timeToRecoverMs = timeToRecoverMs
        self.recovered = recovered
        self.worstErrorRate = worstErrorRate
        self.worstP99Ms = worstP99Ms
        self.throughputLost = throughputLost
        self.notices = notices
    }
}

/// When one notice probe showed a fault, and when it cleared.
public struct NoticeReport: Codable, Sendable, Equatable {
    public var probe: String
    /// Fault start to the first sample showing the notice; nil when it never showed.
    public var timeToNoticeMs: Double?
    /// Recovery (or fault end without an incident) to the first later sample that no longer shows it; nil when
    /// it was still showing at the end of the drill or never showed.
    public var timeToClearMs: Double?

    public init(probe: String, timeToNoticeMs: Double?, timeToClearMs: Double?) {
        self.probe = probe
        self.timeToNoticeMs = timeToNoticeMs
        self.timeToClearMs = timeToClearMs
    }
}
