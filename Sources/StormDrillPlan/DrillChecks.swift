/// What a plan asks of the drill beyond the load: thresholds, the audit after the load, probes during it, the
/// demand forecast and the analysis tolerances. All optional; a plan without them gets the defaults.
public struct DrillChecks: Sendable {
    public var thresholds: [Threshold]
    public var audit: OrderAudit?
    public var probes: [Probe]
    public var forecast: Forecast?
    public var analysis: AnalysisSettings

    public init(
        thresholds: [Threshold] = [], audit: OrderAudit? = nil, probes: [Probe] = [], forecast: Forecast? = nil,
        analysis: AnalysisSettings = AnalysisSettings()
    ) {
        self.thresholds = thresholds
        self.audit = audit
        self.probes = probes
        self.forecast = forecast
        self.analysis = analysis
    }
}

/// A metric a threshold can test, with the unit its limit is written in.
public enum ThresholdMetric: String, Sendable, CaseIterable {
    case p50, p90, p95, p99
    case p999 = "p99.9"
    case errorRate, throughput
    case timeToImpact, impactDuration, timeToRecover, mttr
    case timeToNotice, timeToClear
    /// A game day's: fault start to the facilitator's first announcement.
    case timeToAnnounce
    case lostOrders, duplicateOrders, compensationRate
    case capacity
    /// Fault start to the first firing of its expected alert (`monitoring.expectAlerts`).
    case timeToDetect
    /// Alerts that fired outside every fault's window and coincide with no unplanned incident.
    case falseAlarms
    /// The share of the `slo.window`'s error budget the drill's failed requests would consume at its traffic.
    case errorBudget

    public enum Unit: Sendable { case duration, share, count, rate }

    public var unit: Unit {
        switch self {
        case .p50, .p90, .p95, .p99, .p999, .timeToImpact, .impactDuration, .timeToRecover, .mttr, .timeToNotice,
            .timeToClear, .timeToAnnounce, .timeToDetect:
            .duration
        case .errorRate, .compensationRate, .errorBudget: .share
        case .lostOrders, .duplicateOrders, .falseAlarms: .count
        case .throughput, .capacity: .rate
        }
    }

    /// Percentile for latency metrics.
    public var percentile: Double? {
        switch self {
        case .p50: 50
        case .p90: 90
        case .p95: 95
        case .p99: 99
        case .p999: 99.9
        default: nil
        }
    }

    /// Which phases the metric can be scoped to.
    public var phaseScoped: PhaseScope {
        switch self {
        case .p50, .p90, .p95, .p99, .p999, .errorRate, .throughput: .anyPhase
        case .timeToImpact, .impactDuration, .timeToRecover, .timeToNotice, .timeToClear, .timeToAnnounce,
            .timeToDetect:
            .faults
        case .mttr, .lostOrders, .duplicateOrders, .compensationRate, .capacity, .falseAlarms, .errorBudget:
            .wholeOnly
        }
    }

    public enum PhaseScope: Sendable { case anyPhase, faults, wholeOnly }
}

/// The part of the drill a threshold is measured over.
public enum DrillPhase: Sendable, Hashable, CustomStringConvertible {
    /// The whole load (for fault measures: the worst over all faults).
    case whole
    /// From the start of the load to the start of the first fault.
    case baseline
    /// Between faults and after the last one: from each fault's end to the next fault's start or the end of the load.
    case recovery
    /// One fault's realised window.
    case fault(String)
    /// One game-day phase's realised window: from when the scenario reached its start to the next phase's (or the
    /// end of the load).
    case phase(String)

    public var description: String {
        switch self {
        case .whole: "whole"
        case .baseline: "baseline"
        case .recovery: "recovery"
        case .fault(let name): "fault:\(name)"
        case .phase(let name): "phase:\(name)"
        }
    }
}

/// A k6-style pass/fail criterion, scoped to a phase of the drill.
public struct Threshold: Sendable, Hashable {
    public enum Comparison: String, Sendable, CaseIterable {
        case below, above, atMost, atLeast, equals
    }

    public var metric: ThresholdMetric
    public var comparison: Comparison
    /// The limit in the metric's unit: ms for durations, a share, a count, journeys/s. Nil for `capacity` against
    /// the forecast (`"atLeast": "forecast"`).
    public var limit: Double?
    /// The limit as written (`800ms`, `0.05`, `forecast`).
    public var limitText: String
    public var during: DrillPhase

    public init(
        metric: ThresholdMetric, comparison: Comparison, limit: Double?, limitText: String, during: DrillPhase = .whole
    ) {
        self.metric = metric
        self.comparison = comparison
        self.limit = limit
        self.limitText = limitText
        self.during = during
    }

    /// `below 800ms`.
    public var conditionText: String { "\(comparison.rawValue) \(limitText)" }

    /// Whether `value` meets the threshold against `limit`.
    public func holds(_ value: Double, limit: Double) -> Bool {
        switch comparison {
        case .below: value < limit
        case .above: value > limit
        case .atMost: value <= limit
        case .atLeast: value >= limit
        case .equals: abs(value - limit) < 1e-9
        }
    }
}

/// A test on one value of a JSON answer, at a JSON Pointer.
public struct JSONCondition: Sendable, Hashable, CustomStringConvertible {
    public enum Test: Sendable, Hashable {
        case exists
        case equals(JSONNode.Value)
        case notEquals(JSONNode.Value)
        case oneOf([JSONNode.Value])
    }

    public var pointer: JSONPointer
    public var test: Test

    public init(pointer: JSONPointer, test: Test) {
        self.pointer = pointer
        self.test = test
    }

    /// Evaluates the condition on a JSON document; a missing value fails every test but `notEquals`.
    public func holds(in json: [UInt8]) -> Bool {
        guard let token = pointer.locate(in: json) else {
            if case .notEquals = test { return true }
            return false
        }
        guard let node = try? JSONParser.parse(token) else { return false }
        switch test {
        case .exists: return true
        case .equals(let v): return JSONCondition.same(node.value, v)
        case .notEquals(let v): return !JSONCondition.same(node.value, v)
        case .oneOf(let vs): return vs.contains { JSONCondition.same(node.value, $0) }
        }
    }

    static func same(_ a: JSONNode.Value, _ b: JSONNode.Value) -> Bool {
        switch (a, b) {
        case (.number(let x, _), .number(let y, _)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        default: JSONNode(a).compactJSON() == JSONNode(b).compactJSON()
        }
    }

    /// `/incident != "none"`.
    public var description: String {
        func show(_ v: JSONNode.Value) -> String { JSONNode(v).compactJSON() }
        switch test {
        case .exists: return "\(pointer.text) exists"
        case .equals(let v): return "\(pointer.text) == \(show(v))"
        case .notEquals(let v): return "\(pointer.text) != \(show(v))"
        case .oneOf(let vs): return "\(pointer.text) in [\(vs.map(show).joined(separator: ", "))]"
        }
    }
}

/// The lost-order audit: after the load, every acknowledged order is looked up again.
public struct OrderAudit: Sendable {
    /// The extract that names an acknowledged order (`orderId` in `{{extract.orderId}}`).
    public var extractName: String
    /// Flattened step indexes (as `Plan.journeys[j].steps[s]` in order) whose successful response acknowledges
    /// an order, with the extract slot that holds its id.
    public var acknowledgingSteps: [(step: Int, slot: Int)]
    /// Per acknowledging step, its `Idempotency-Key` header template (for the duplicate count), if it sends one.
    public var keyHeaders: [Int: Template]
    public var method: HTTPMethodName
    /// The lookup path; its only variable is the order's extract (slot 0).
    public var path: Template
    public var headers: [Header]
    /// Accepted statuses; nil means any 2xx.
    public var expect: Set<Int>?
    /// What a found order's answer must also satisfy.
    public var found: JSONCondition?
    /// Checked on orders acknowledged inside a fault window.
    public var compensation: JSONCondition?
    public var concurrency: Int
    public var timeout: PlanDuration
    /// The lookup as written, for the report.
    public var requestText: String

    public init(
        extractName: String, acknowledgingSteps: [(step: Int, slot: Int)], keyHeaders: [Int: Template],
        method: HTTPMethodName, path: Template, headers: [Header] = [], expect: Set<Int>?, found: JSONCondition?,
        compensation: JSONCondition?, concurrency: Int = 16, timeout: PlanDuration = .seconds(5), requestText: String
    ) {
        self.extractName = extractName
        self.acknowledgingSteps = acknowledgingSteps
        self.keyHeaders = keyHeaders
        self.method = method
        self.path = path
        self.headers = headers
        self.expect = expect
        self.found = found
        self.compensation = compensation
        self.concurrency = concurrency
        self.timeout = timeout
        self.requestText = requestText
    }

    public func accepts(status: Int) -> Bool {
        if let expect { return expect.contains(status) }
        return (200..<300).contains(status)
    }

    /// `status 200 and /id exists`.
    public var conditionText: String {
        let statuses = expect.map { $0.sorted().map(String.init).joined(separator: "|") } ?? "2xx"
        return "status \(statuses)" + (found.map { " and \($0)" } ?? "")
    }
}

/// A request polled during the drill whose condition says whether something (the incident notice) is showing.
public struct Probe: Sendable {
    public var name: String
    public var method: HTTPMethodName
    /// Path on the target (static: vars only).
    public var path: String
    public var every: PlanDuration
    public var timeout: PlanDuration
    public var expect: Set<Int>?
    public var condition: JSONCondition

    public init(
        name: String, method: HTTPMethodName = .GET, path: String, every: PlanDuration = .seconds(1),
        timeout: PlanDuration = .seconds(1), expect: Set<Int>? = nil, condition: JSONCondition
    ) {
        self.name = name
        self.method = method
        self.path = path
        self.every = every
        self.timeout = timeout
        self.expect = expect
        self.condition = condition
    }
}

/// The new term's demand forecast for a capacity check.
public struct Forecast: Sendable, Hashable {
    /// Expected peak arrival rate, journeys/s.
    public var peakRate: Double
    /// Safety factor on top of the peak (≥ 1).
    public var headroom: Double

    public init(peakRate: Double, headroom: Double = 1) {
        self.peakRate = peakRate
        self.headroom = headroom
    }

    public var required: Double { peakRate * headroom }
}

/// Tolerances of the recovery and capacity analysis (plan key `analysis`).
public struct AnalysisSettings: Sendable, Hashable {
    public var errorTolerance = 0.05
    public var latencyFactor = 2.0
    public var latencyFloor = PlanDuration.milliseconds(25)
    public var throughputFloor = 0.5
    public var stableFor = PlanDuration.seconds(1)
    public var minIncident = PlanDuration.milliseconds(300)
    public var capacityWindow = PlanDuration.seconds(10)

    public init() {}
}
