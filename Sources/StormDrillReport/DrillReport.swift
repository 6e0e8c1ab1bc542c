/// The drill report: `report.json` is the source of truth and every other format is rendered from it.
/// Field by field documentation: docs/report-format.md. Bump `currentSchemaVersion` on incompatible changes.
public struct DrillReport: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var tool: ToolInfo
    public var status: RunStatus
    /// Why the run ended early (signal, error), when it did.
    public var interruption: String?
    public var verdict: Verdict
    /// Why the verdict is not PASS, one line each (empty on PASS).
    public var reasons: [String]
    public var plan: PlanInfo
    public var target: TargetInfo
    public var load: LoadInfo
    /// Wall-clock time of the drill start (UTC, ISO 8601); everything else is an offset on the monotonic drill clock.
    public var startedAt: String
    /// From the drill start until the last journey finished or was abandoned.
    public var durationSeconds: Double
    public var totals: Totals
    /// Request latency from the intended send time (coordinated-omission correct).
    public var latency: LatencySummary
    /// Request latency from the first byte sent to the last byte received.
    public var serviceLatency: LatencySummary
    /// Failed and dropped journeys by error class.
    public var errors: [String: Int]
    /// A few short messages for errors of class `other` and connection failures.
    public var errorSamples: [String]
    public var slo: [ObjectiveResult]
    public var journeys: [JourneyReport]
    public var steps: [StepReport]
    public var timeline: [TimelineEntry]
    public var generator: GeneratorReport
    /// Each planned fault, as realised (absent when the plan has none).
    public var faults: [FaultReport]?
    /// The `abortWhen` condition that stopped the drill, if one did.
    public var abort: AbortReport?
    /// The timeline at 100 ms resolution (absent in reports written before it existed).
    public var detail: TimelineDetail?
    /// Incidents, each fault's impact and recovery, MTTR.
    public var recovery: RecoveryReport?
    /// The plan's probes (incident notice and the like) as polled during the drill.
    public var probes: [ProbeReport]?
    /// The lost-order, duplicate and compensation audits after the load.
    public var audit: AuditReport?
    /// The capacity found by a ramping open-model drill.
    public var capacity: CapacityReport?
    /// The plan's thresholds, each with its measured value.
    public var thresholds: [ThresholdResult]?
    /// The game day: phases, holds, participants' feedback beside the measurements, hypotheses, notes.
    public var gameDay: GameDayReport?
    /// What the team's Prometheus showed: expected alerts with time to detect and resolve, false alarms.
    public var monitoring: MonitoringReport?
    /// Availability, burn rates and error-budget share against `slo.availability`.
    public var availability: AvailabilityReport?

    public init(
        schemaVersion: Int = DrillReport.currentSchemaVersion, tool: ToolInfo, status: RunStatus,
        interruption: String? = nil, verdict: Verdict, reasons: [String], plan: PlanInfo, target: TargetInfo,
        load: LoadInfo, startedAt: String, durationSeconds: Double, totals: Totals, latency: LatencySummary,
        serviceLatency: LatencySummary, errors: [String: Int], errorSamples: [String], slo: [ObjectiveResult],
        journeys: [JourneyReport], steps: [StepReport], timeline: [TimelineEntry], generator: GeneratorReport,
        faults: [FaultReport]? = nil, abort: AbortReport? = nil, detail: TimelineDetail? = nil,
        recovery: RecoveryReport? = nil, probes: [ProbeReport]? = nil, audit: AuditReport? = nil,
        capacity: CapacityReport? = nil, thresholds: [ThresholdResult]? = nil, gameDay: GameDayReport? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.tool = tool
        self.status = status
        self.interruption = interruption
        self.verdict = verdict
        self.reasons = reasons
        self.plan = plan
        self.target = target
        self.load = load
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.totals = totals
        self.latency = latency
        self.serviceLatency = serviceLatency
        self.errors = errors
        self.errorSamples = errorSamples
        self.slo = slo
        self.journeys = journeys
        self.steps = steps
        self.timeline = timeline
        self.generator = generator
        self.faults = faults
        self.abort = abort
        self.detail = detail
        self.recovery = recovery
        self.probes = probes
        self.audit = audit
        self.capacity = capacity
        self.thresholds = thresholds
        self.gameDay = gameDay
    }
}

/// How the run ended.
public enum RunStatus: String, Codable, Sendable {
    /// The load ran to its planned end.
    case completed
    /// Stopped by SIGINT or SIGTERM; the figures cover what ran.
    case interrupted
    /// Stopped by an `abortWhen` condition, a fault that could not be applied, or a driver error.
    case aborted
}

/// The drill's verdict; the exit status follows it (0, 1, 3).
public enum Verdict: String, Codable, Sendable {
    case pass = "PASS"
    case fail = "FAIL"
    /// The measurement cannot be trusted (the generator fell behind or saturated).
    case invalid = "INVALID"
}

public struct ToolInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String

    public init(name: String = "stormdrill", version: String) {
        self.name = name
        self.version = version
    }
}

public struct PlanInfo: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    public var file: String
    /// SHA-256 of the plan file's bytes, hex.
    public var sha256: String
    public var seed: UInt64
    public var formatVersion: Int

    public init(name: String, description: String, file: String, sha256: String, seed: UInt64, formatVersion: Int) {
        self.name = name
        self.description = description
        self.file = file
        self.sha256 = sha256
        self.seed = seed
        self.formatVersion = formatVersion
    }
}

public struct TargetInfo: Codable, Sendable, Equatable {
    /// The base URL requests went to (for an embedded target, its loopback address).
    public var url: String
    /// The embedded target's name, when the driver started one.
    public var embedded: String?
    public var timeoutMs: Double
    public var connections: Int

    public init(url: String, embedded: String?, timeoutMs: Double, connections: Int) {
        self.url = url
        self.embedded = embedded
        self.timeoutMs = timeoutMs
        self.connections = connections
    }
}

public struct StageInfo: Codable, Sendable, Equatable {
    public var durationSeconds: Double
    public var from: Double
    public var to: Double

    public init(durationSeconds: Double, from: Double, to: Double) {
        self.durationSeconds = durationSeconds
        self.from = from
        self.to = to
    }
}

public struct LoadInfo: Codable, Sendable, Equatable {
    /// "open" or "closed".
    public var model: String
    public var plannedDurationSeconds: Double
    /// Open model: "uniform" or "poisson".
    public var arrival: String?
    /// Open model: the campus shape the stages came from.
    public var shape: String?
    public var stages: [StageInfo]?
    public var maxInFlight: Int?
    /// Open model: arrivals the schedule planned (Λ(T)).
    public var plannedArrivals: Double?
    public var users: Int?
    public var thinkTimeMs: Double?

    public init(
        model: String, plannedDurationSeconds: Double, arrival: String? = nil, shape: String? = nil,
        stages: [StageInfo]? = nil, maxInFlight: Int? = nil, plannedArrivals: Double? = nil, users: Int? = nil,
        thinkTimeMs: Double? = nil
    ) {
        self.model = model
        self.plannedDurationSeconds = plannedDurationSeconds
        self.arrival = arrival
        self.shape = shape
        self.stages = stages
        self.maxInFlight = maxInFlight
        self.plannedArrivals = plannedArrivals
        self.users = users
        self.thinkTimeMs = thinkTimeMs
    }
}

public struct Throughput: Codable, Sendable, Equatable {
    public var requestsPerSecond: Double
    public var journeysPerSecond: Double

    public init(requestsPerSecond: Double, journeysPerSecond: Double) {
        self.requestsPerSecond = requestsPerSecond
        self.journeysPerSecond = journeysPerSecond
    }
}

public struct Totals: Codable, Sendable, Equatable {
    /// Journeys started.
    public var journeys: Int
    public var journeysOk: Int
    public var journeysFailed: Int
    /// Journeys cut off by an interruption after the grace period.
    public var journeysAbandoned: Int
    /// Requests that completed or failed.
    public var requests: Int
    public var ok: Int
    public var errors: Int
    /// Arrivals not sent because `maxInFlight` journeys were outstanding.
    public var dropped: Int
    /// (failed + dropped journeys) / (started + dropped journeys).
    public var errorRate: Double
    public var throughput: Throughput

    public init(
        journeys: Int, journeysOk: Int, journeysFailed: Int, journeysAbandoned: Int, requests: Int, ok: Int,
        errors: Int, dropped: Int, errorRate: Double, throughput: Throughput
    ) {
        self.journeys = journeys
        self.journeysOk = journeysOk
        self.journeysFailed = journeysFailed
        self.journeysAbandoned = journeysAbandoned
        self.requests = requests
        self.ok = ok
        self.errors = errors
        self.dropped = dropped
        self.errorRate = errorRate
        self.throughput = throughput
    }
}

/// Percentiles in milliseconds (µs precision). All zero when `count` is 0.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    public init(count: Int, p50: Double, p90: Double, p95: Double, p99: Double, p999: Double, max: Double, mean: Double)
    {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.mean = mean
    }

    public static let empty = LatencySummary(count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0)
}

/// One SLO objective and how the run did against it.
public struct ObjectiveResult: Codable, Sendable, Equatable {
    /// "p99", "errorRate", …
    public var name: String
    /// The limit as written in the plan ("800ms", "0.01").
    public var limit: String
    /// The measured value, in ms for latencies and as a share for rates.
    public var actual: Double
    public var passed: Bool

    public init(name: String, limit: String, actual: Double, passed: Bool) {
        self.name = name
        self.limit = limit
        self.actual = actual
        self.passed = passed
    }
}

public struct JourneyReport: Codable, Sendable, Equatable {
    public var name: String
    public var weight: Double
    /// Journeys that ended (ok + failed).
    public var count: Int
    public var ok: Int
    public var failed: Int
    public var errors: [String: Int]
    /// From the intended start of the journey to the end of its last step (successful journeys).
    public var latency: LatencySummary
    /// Sum of the steps' service times (successful journeys).
    public var serviceLatency: LatencySummary

    public init(
        name: String, weight: Double, count: Int, ok: Int, failed: Int, errors: [String: Int], latency: LatencySummary,
        serviceLatency: LatencySummary
    ) {
        self.name = name
        self.weight = weight
        self.count = count
        self.ok = ok
        self.failed = failed
        self.errors = errors
        self.latency = latency
        self.serviceLatency = serviceLatency
    }
}

public struct StepReport: Codable, Sendable, Equatable {
    public var journey: String
    public var name: String
    public var method: String
    public var count: Int
    public var ok: Int
    public var errors: Int
    public var errorsByClass: [String: Int]
    /// Latency of the requests that got a response.
    public var latency: LatencySummary
    public var serviceLatency: LatencySummary

    public init(
        journey: String, name: String, method: String, count: Int, ok: Int, errors: Int, errorsByClass: [String: Int],
        latency: LatencySummary, serviceLatency: LatencySummary
    ) {
        self.journey = journey
        self.name = name
        self.method = method
        self.count = count
        self.ok = ok
        self.errors = errors
        self.errorsByClass = errorsByClass
        self.latency = latency
        self.serviceLatency = serviceLatency
    }
}

/// One second of the drill clock.
public struct TimelineEntry: Codable, Sendable, Equatable {
    /// Seconds from the drill start (this entry covers [t, t+1)).
    public var t: Int
    /// Requests sent in this second.
    public var sent: Int
    /// Requests that completed successfully in this second.
    public var ok: Int
    /// Requests that failed in this second.
    public var errors: Int
    /// Arrivals dropped in this second.
    public var dropped: Int
    /// Latency (intended-time view, ms) of requests completed in this second; 0 when none completed.
    public var p50: Double
    public var p99: Double
    /// The most journeys in flight at once during this second.
    public var inFlight: Int
    /// Journeys started, ended successfully and failed in this second (absent in older reports).
    public var journeysStarted: Int?
    public var journeysOk: Int?
    public var journeysFailed: Int?
    /// Open model: the planned arrival rate (journeys/s) in the middle of this second.
    public var offered: Double?

    public init(
        t: Int, sent: Int, ok: Int, errors: Int, dropped: Int, p50: Double, p99: Double, inFlight: Int,
        journeysStarted: Int? = nil, journeysOk: Int? = nil, journeysFailed: Int? = nil, offered: Double? = nil
    ) {
        self.t = t
        self.sent = sent
        self.ok = ok
        self.errors = errors
        self.dropped = dropped
        self.p50 = p50
        self.p99 = p99
        self.inFlight = inFlight
        self.journeysStarted = journeysStarted
        self.journeysOk = journeysOk
        self.journeysFailed = journeysFailed
        self.offered = offered
    }
}

public struct GeneratorReport: Codable, Sendable, Equatable {
    public var eventLoops: Int
    /// Scheduling lag (actual minus intended start of each arrival or iteration), ms.
    public var lagP50Ms: Double
    public var lagP99Ms: Double
    public var lagMaxMs: Double
    public var dropped: Int
    /// True when the generator could not keep its schedule: the verdict is then INVALID.
    public var saturated: Bool
    /// Highest share of one event loop thread busy on CPU in any one-second window.
    public var cpuBusyMax: Double
    /// Longest run of consecutive seconds with an event loop at least 95 % busy.
    public var saturatedSeconds: Int
    public var connectionsOpened: Int

    public init(
        eventLoops: Int, lagP50Ms: Double, lagP99Ms: Double, lagMaxMs: Double, dropped: Int, saturated: Bool,
        cpuBusyMax: Double, saturatedSeconds: Int, connectionsOpened: Int
    ) {
        self.eventLoops = eventLoops
        self.lagP50Ms = lagP50Ms
        self.lagP99Ms = lagP99Ms
        self.lagMaxMs = lagMaxMs
        self.dropped = dropped
        self.saturated = saturated
        self.cpuBusyMax = cpuBusyMax
        self.saturatedSeconds = saturatedSeconds
        self.connectionsOpened = connectionsOpened
    }
}
