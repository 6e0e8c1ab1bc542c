import StormDrillEngine
import StormDrillPlan
import StormDrillReport

import struct Histogram.Histogram

/// Evaluates the plan's thresholds over the phases of the drill. Pure: everything it needs is handed in.
public struct ThresholdEvaluation {
    /// The engine's 100 ms buckets (for phase-scoped latency, error rate and throughput).
    public var timeline: [TimelineBucket]
    public var bucketMs: Double
    /// Realised fault windows in plan order, ms from the drill start (end nil: to the end of the drill).
    public var faults: [(name: String, startMs: Double, endMs: Double?, ran: Bool)]
    /// When the load ended (arrivals stopped), ms.
    public var loadEndMs: Double
    public var recovery: RecoveryReport?
    public var audit: AuditReport?
    public var capacity: CapacityReport?
    public var forecast: Forecast?
    /// Realised game-day phase windows, ms from the drill start (end nil: to the end of the load).
    public var phases: [(name: String, startMs: Double, endMs: Double?)]
    /// When the facilitator made announcements, ms (a game day's).
    public var announcementsMs: [Double] = []
    /// What the team's Prometheus showed (nil: no monitoring section).
    public var monitoring: MonitoringReport?
    /// The error budget (nil: no `slo.availability`).
    public var availability: AvailabilityReport?

    public init(
        timeline: [TimelineBucket], bucketMs: Double,
        faults: [(name: String, startMs: Double, endMs: Double?, ran: Bool)],
        loadEndMs: Double, recovery: RecoveryReport?, audit: AuditReport?, capacity: CapacityReport?,
        forecast: Forecast?, phases: [(name: String, startMs: Double, endMs: Double?)] = []
    ) {
        self.timeline = timeline
        self.bucketMs = bucketMs
        self.faults = faults
        self.loadEndMs = loadEndMs
        self.recovery = recovery
        self.audit = audit
        self.capacity = capacity
        self.forecast = forecast
        self.phases = phases
    }

    /// The plan's thresholds plus the implicit ones: `lostOrders equals 0` with an audit, `capacity atLeast
    /// forecast` with a forecast (unless the plan sets its own threshold on that metric).
    public static func effectiveThresholds(_ checks: DrillChecks, isOpen: Bool) -> [Threshold] {
        var out = checks.thresholds
        if checks.audit != nil, !out.contains(where: { $0.metric == .lostOrders }) {
            out.append(Threshold(metric: .lostOrders, comparison: .equals, limit: 0, limitText: "0"))
        }
        if checks.forecast != nil, isOpen, !out.contains(where: { $0.metric == .capacity }) {
            out.append(Threshold(metric: .capacity, comparison: .atLeast, limit: nil, limitText: "forecast"))
        }
        return out
    }

    public func evaluate(_ thresholds: [Threshold]) -> [ThresholdResult] {
        thresholds.map(evaluate)
    }

    func evaluate(_ t: Threshold) -> ThresholdResult {
        let measured = measure(t)
        var limit = t.limit
        var condition = t.conditionText
        if t.metric == .capacity, limit == nil, let forecast {
            limit = forecast.required
            condition +=
                " (\(SummaryRenderer.rate(forecast.peakRate))/s × \(trim(forecast.headroom))"
                + " = \(SummaryRenderer.rate(forecast.required))/s)"
        }
        switch measured {
        case .value(let v):
            let passed = limit.map { t.holds(v, limit: $0) } ?? false
            return ThresholdResult(
                metric: t.metric.rawValue, during: t.during.description, condition: condition, actual: v,
                actualText: format(v, t.metric), passed: passed)
        case .missing(let why, let passes):
            return ThresholdResult(
                metric: t.metric.rawValue, during: t.during.description, condition: condition, actual: nil,
                actualText: why, passed: passes)
        }
    }

    enum Measured {
        case value(Double)
        /// Not measurable; `passes` says whether that meets the threshold (no impact meets a time-to-recover).
        case missing(String, passes: Bool)
    }

    func measure(_ t: Threshold) -> Measured {
        switch t.metric {
        case .p50, .p90, .p95, .p99, .p999, .errorRate, .throughput:
            guard let ranges = ranges(for: t.during) else {
                return .missing("not measured: \(t.during) did not happen", passes: false)
            }
            return phaseMetric(t.metric, ranges)
        case .timeToImpact, .impactDuration, .timeToRecover, .timeToNotice, .timeToClear:
            return faultMetric(t)
        case .timeToAnnounce:
            return announceMetric(t)
        case .timeToDetect:
            return detectMetric(t)
        case .errorBudget:
            guard let availability else { return .missing("not measured: no slo.availability", passes: false) }
            guard availability.requests > 0 else { return .missing("not measured: no requests", passes: false) }
            return .value(availability.errorBudgetShare)
        case .falseAlarms:
            guard let monitoring else { return .missing("not measured: no monitoring", passes: false) }
            if monitoring.polls == 0 || monitoring.polls == monitoring.failedPolls {
                return .missing("not measured: Prometheus could not be read", passes: false)
            }
            return .value(Double(monitoring.falseAlarms.filter { $0.incident == nil }.count))
        case .mttr:
            guard let recovery, recovery.baseline != nil else {
                return .missing("not measured: no healthy baseline to compare with", passes: false)
            }
            return .value(recovery.mttrMs ?? 0)
        case .lostOrders:
            guard let audit else { return .missing("not measured: no audit ran", passes: false) }
            if audit.incomplete && audit.checked == 0 {
                return .missing("audit skipped: the drill was interrupted", passes: false)
            }
            if audit.incomplete {
                return .missing(
                    "audit incomplete: \(audit.lost) lost among \(audit.checked) of \(audit.acknowledged) looked up",
                    passes: false)
            }
            if audit.unverified > 0 {
                return .missing(
                    "\(audit.unverified) of \(audit.acknowledged) orders could not be looked up (\(audit.lost) lost among"
                        + " the rest)", passes: false)
            }
            return .value(Double(audit.lost))
        case .duplicateOrders:
            guard let audit else { return .missing("not measured: no audit ran", passes: false) }
            return .value(Double(audit.duplicates))
        case .compensationRate:
            guard let c = audit?.compensation else {
                return .missing("not measured: no compensation audit", passes: false)
            }
            return .value(c.share)
        case .capacity:
            guard let capacity else { return .missing("not measured: no ramp to find it", passes: false) }
            guard let c = capacity.capacity else {
                return .missing(
                    "no rate held the SLO for \(SummaryRenderer.seconds(capacity.windowMs / 1000))", passes: false)
            }
            return .value(c)
        }
    }

    // MARK: - Phases

    /// Bucket ranges of a phase; nil when the phase did not happen. Phase edges round inward (a slice counts only
    /// when it lies wholly inside the phase); every phase but `whole` ends with the load (the drain after the last
    /// arrival belongs to `whole` alone), and `recovery` leaves out any time a fault was still in force.
    func ranges(for phase: DrillPhase) -> [Range<Int>]? {
        let endMs = Double(timeline.count) * bucketMs
        let loadEnd = min(loadEndMs > 0 ? loadEndMs : endMs, endMs)
        let ran = faults.filter(\.ran)
        func r(_ from: Double, _ to: Double) -> Range<Int>? {
            let a = max(0, Int((from / bucketMs - 1e-9).rounded(.up)))
            let b = min(timeline.count, Int((min(to, loadEnd) / bucketMs + 1e-9).rounded(.down)))
            return a < b ? a..<b : nil
        }
        switch phase {
        case .whole:
            return timeline.isEmpty ? nil : [0..<timeline.count]
        case .baseline:
            guard let first = ran.map(\.startMs).min() else { return r(0, loadEnd).map { [$0] } }
            return r(0, first).map { [$0] }
        case .fault(let name):
            guard let f = ran.first(where: { $0.name == name }) else { return nil }
            return r(f.startMs, f.endMs ?? loadEnd).map { [$0] }
        case .phase(let name):
            guard let p = phases.first(where: { $0.name == name }) else { return nil }
            return r(p.startMs, p.endMs ?? loadEnd).map { [$0] }
        case .recovery:
            // Between the faults: the load's time minus every fault window.
            let windows = ran.map { ($0.startMs, $0.endMs ?? .infinity) }.sorted { $0.0 < $1.0 }
            guard let firstEnd = windows.map(\.1).min(), firstEnd.isFinite else { return nil }
            var out: [Range<Int>] = []
            var cursor = firstEnd
            for (start, end) in windows where end > cursor || start > cursor {
                if start > cursor, let range = r(cursor, start) { out.append(range) }
                cursor = max(cursor, end)
            }
            if cursor < loadEnd, let range = r(cursor, loadEnd) { out.append(range) }
            return out.isEmpty ? nil : out
        }
    }

    /// The part of the load a set of ranges covers, in seconds (throughput is per second of load).
    func loadSeconds(_ ranges: [Range<Int>]) -> Double {
        let loadEnd = loadEndMs > 0 ? loadEndMs : Double(timeline.count) * bucketMs
        var ms = 0.0
        for range in ranges {
            let from = Double(range.lowerBound) * bucketMs
            let to = min(Double(range.upperBound) * bucketMs, loadEnd)
            ms += max(0, to - from)
        }
        return ms / 1000
    }

    func phaseMetric(_ metric: ThresholdMetric, _ ranges: [Range<Int>]) -> Measured {
        if let p = metric.percentile {
            var h = LatencyHistogram.makeCompact()
            for range in ranges { for i in range { timeline[i].latencies.add(to: &h) } }
            guard h.totalCount > 0 else { return .missing("no responses", passes: false) }
            return .value(Double(h.valueAtPercentile(p)) / 1000)
        }
        var ok = 0
        var failed = 0
        for range in ranges {
            for i in range {
                ok += timeline[i].journeysOk
                failed += timeline[i].journeysFailed + timeline[i].dropped
            }
        }
        if metric == .throughput {
            let seconds = loadSeconds(ranges)
            return seconds > 0 ? .value(Double(ok) / seconds) : .missing("no load in the phase", passes: false)
        }
        guard ok + failed > 0 else { return .missing("no journeys ended", passes: false) }
        return .value(Double(failed) / Double(ok + failed))
    }

    // MARK: - Fault measures

    func faultMetric(_ t: Threshold) -> Measured {
        guard let recovery else { return .missing("not measured", passes: false) }
        guard recovery.baseline != nil else {
            return .missing(
                "not measured: no healthy stretch before or after the faults to compare with", passes: false)
        }
        var impacts = recovery.faults
        if case .fault(let name) = t.during { impacts = impacts.filter { $0.fault == name } }
        let ranNames = Set(faults.filter(\.ran).map(\.name))
        impacts = impacts.filter { ranNames.contains($0.fault) }
        guard !impacts.isEmpty else { return .missing("not measured: the fault did not run", passes: false) }
        var worst = -Double.infinity
        for f in impacts {
            let v: Double?
            switch t.metric {
            case .timeToImpact: v = f.impacted ? f.timeToImpactMs : nil
            case .impactDuration: v = f.impacted ? f.impactDurationMs : 0
            case .timeToRecover:
                if !f.impacted {
                    v = 0
                } else if let r = f.timeToRecoverMs {
                    v = r
                } else {
                    return .missing("\(f.fault) never recovered before the drill ended", passes: false)
                }
            case .timeToNotice:
                guard let n = f.notices.compactMap(\.timeToNoticeMs).min() else {
                    return .missing(
                        f.notices.isEmpty ? "no probe" : "the notice never showed for \(f.fault)", passes: false)
                }
                v = n
            case .timeToClear:
                guard let n = f.notices.compactMap(\.timeToClearMs).min() else {
                    return .missing("the notice for \(f.fault) never cleared", passes: false)
                }
                v = n
            default: v = nil
            }
            if let v { worst = max(worst, v) }
        }
        if worst == -.infinity { return .missing("no impact", passes: true) }
        return .value(worst)
    }

    /// Fault start to the first firing of its expected alerts (the worst over the faults, or the one named).
    func detectMetric(_ t: Threshold) -> Measured {
        guard let monitoring else { return .missing("not measured: no monitoring", passes: false) }
        var alerts = monitoring.alerts.filter { $0.outcome != .faultNotRun }
        if case .fault(let name) = t.during { alerts = alerts.filter { $0.fault == name } }
        guard !alerts.isEmpty else {
            return .missing("not measured: no expected alert for a fault that ran", passes: false)
        }
        var worst = -Double.infinity
        for a in alerts {
            guard let v = a.timeToDetectMs else {
                return .missing(
                    a.outcome == .unmeasured
                        ? "\(a.alert) not measured: Prometheus could not be read" : "\(a.alert) never fired",
                    passes: false)
            }
            worst = max(worst, v)
        }
        return .value(worst)
    }

    /// Fault start to the first announcement in its window (the worst over the faults that ran).
    func announceMetric(_ t: Threshold) -> Measured {
        let ran = faults.filter(\.ran)
        var chosen = ran
        if case .fault(let name) = t.during { chosen = ran.filter { $0.name == name } }
        guard !chosen.isEmpty else { return .missing("not measured: the fault did not run", passes: false) }
        var worst = -Double.infinity
        for f in chosen {
            let nextStart = ran.map(\.startMs).filter { $0 > f.startMs }.min() ?? .infinity
            let windowEnd = min(nextStart, (f.endMs ?? loadEndMs) + GameDayAnalysis.attributionMs)
            guard let first = announcementsMs.sorted().first(where: { $0 >= f.startMs && $0 < windowEnd }) else {
                return .missing("no announcement during \(f.name)", passes: false)
            }
            worst = max(worst, first - f.startMs)
        }
        return .value(worst)
    }

    // MARK: - Formatting

    func format(_ v: Double, _ metric: ThresholdMetric) -> String {
        switch metric.unit {
        case .duration: v >= 10_000 ? SummaryRenderer.seconds(v / 1000) : SummaryRenderer.ms(v)
        case .share: SummaryRenderer.percent(v)
        case .count: String(Int(v))
        case .rate: SummaryRenderer.rate(v) + "/s"
        }
    }

    func trim(_ v: Double) -> String {
        var s = String(v)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}
