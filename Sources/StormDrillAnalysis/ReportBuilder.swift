import StormDrillEngine
import StormDrillPlan
import StormDrillReport

import struct Histogram.Histogram

/// What the runner knows about a drill besides the measurements.
public struct RunContext: Sendable {
    public var plan: Plan
    public var planFile: String
    public var planSHA256: String
    /// ISO 8601 wall time of the drill start.
    public var startedAt: String
    public var targetURL: String
    public var embedded: String?
    public var connections: Int
    public var status: RunStatus
    public var interruption: String?
    /// Problems outside the load itself (the embedded target did not start, …); each makes the verdict FAIL.
    public var runProblems: [String]
    /// The faults as realised (nil when the plan has none).
    public var faults: [FaultReport]?
    /// The abort condition that stopped the drill.
    public var abort: AbortReport?
    /// What the plan's probes saw during the load.
    public var probes: [ProbeReport]?
    /// The lost-order audit's findings, order by order.
    public var audit: AuditOutcome?
    /// Scenario time against drill time: the holds of a game day (nil: none).
    public var clock: ScenarioClock?
    /// The game day's journal and definition, for the `gameDay` section and phase-scoped thresholds.
    public var gameDayRecords: [GameDayRecord]?
    public var gameDayDefinition: GameDayDefinition?
    /// What the alert watcher saw (nil: the plan has no monitoring section).
    public var alerts: AlertAnalysis.Watch?

    public init(
        plan: Plan, planFile: String, planSHA256: String, startedAt: String, targetURL: String, embedded: String?,
        connections: Int, status: RunStatus = .completed, interruption: String? = nil, runProblems: [String] = [],
        faults: [FaultReport]? = nil, abort: AbortReport? = nil, probes: [ProbeReport]? = nil,
        audit: AuditOutcome? = nil
    ) {
        self.plan = plan
        self.planFile = planFile
        self.planSHA256 = planSHA256
        self.startedAt = startedAt
        self.targetURL = targetURL
        self.embedded = embedded
        self.connections = connections
        self.status = status
        self.interruption = interruption
        self.runProblems = runProblems
        self.faults = faults
        self.abort = abort
        self.probes = probes
        self.audit = audit
    }

    /// The realised game-day phase windows (empty without a game day).
    var phaseWindows: [(name: String, startMs: Double, endMs: Double?)] {
        guard let records = gameDayRecords else { return [] }
        return GameDayAnalysis.phaseWindows(records, loadEndMs: nil)
    }
}

/// Turns engine measurements into the report, including the SLO evaluation and the verdict. Pure.
public enum ReportBuilder {
    public static func build(result: DrillResult, context: RunContext, toolVersion: String) -> DrillReport {
        let plan = context.plan
        let compiledSteps = plan.journeys.flatMap { j in j.steps.map { (j.name, $0) } }
        let totals = makeTotals(result)
        let latency = summary(result.requests.latency)
        let service = summary(result.requests.service)
        let slo = SLOEvaluation.evaluate(plan.slo, latency: result.requests.latency, errorRate: totals.errorRate)
        let generator = makeGenerator(result)
        let timeline = Timeline.perSecond(result, plan: plan, clock: context.clock)
        let checks = makeChecks(result: result, totals: totals, context: context, timeline: timeline)
        let verdict = VerdictRules.decide(
            slo: slo, generator: generator, totals: totals, runProblems: context.runProblems,
            thresholds: checks.thresholds ?? [], faults: context.faults ?? [], monitoring: checks.monitoring)

        let steps = zip(compiledSteps, result.steps).map { pair, stats in
            StepReport(
                journey: pair.0, name: pair.1.name, method: pair.1.method.rawValue, count: stats.count, ok: stats.ok,
                errors: stats.errors.total, errorsByClass: errorMap(stats.errors),
                latency: summary(stats.latency), serviceLatency: summary(stats.service))
        }
        let journeys = zip(plan.journeys, result.journeys).map { journey, stats in
            JourneyReport(
                name: journey.name, weight: journey.weight, count: stats.count, ok: stats.ok,
                failed: stats.count - stats.ok, errors: errorMap(stats.errors), latency: summary(stats.latency),
                serviceLatency: summary(stats.service))
        }
        var report = DrillReport(
            tool: ToolInfo(version: toolVersion), status: context.status, interruption: context.interruption,
            verdict: verdict.verdict, reasons: verdict.reasons,
            plan: PlanInfo(
                name: plan.name, description: plan.description, file: context.planFile,
                sha256: context.planSHA256, seed: plan.seed, formatVersion: Plan.formatVersion),
            target: TargetInfo(
                url: context.targetURL, embedded: context.embedded,
                timeoutMs: plan.target.timeout.milliseconds, connections: context.connections),
            load: makeLoad(plan), startedAt: context.startedAt,
            durationSeconds: Double(result.elapsedNanoseconds) / 1e9, totals: totals, latency: latency,
            serviceLatency: service, errors: errorMap(result.errors), errorSamples: result.errorSamples, slo: slo,
            journeys: journeys, steps: steps, timeline: timeline, generator: generator,
            faults: context.faults, abort: context.abort, detail: checks.detail, recovery: checks.recovery,
            probes: context.probes, audit: checks.audit, capacity: checks.capacity, thresholds: checks.thresholds,
            gameDay: context.gameDayDefinition.map { definition in
                GameDayAnalysis.build(
                    records: context.gameDayRecords ?? [], definition: definition,
                    measurements: .init(
                        faults: context.faults, recovery: checks.recovery, thresholds: checks.thresholds,
                        loadEndMs: Double(result.loadEndedNanoseconds) / 1e6))
            })
        report.monitoring = checks.monitoring
        report.availability = checks.availability
        return report
    }

    /// The time the load ran (until the planned end or the stop), not the drain after it: what throughput and the
    /// error budget's request rate are divided by.
    static func loadSeconds(_ r: DrillResult) -> Double {
        Double(max(r.loadEndedNanoseconds, min(r.elapsedNanoseconds, r.plannedLoadNanoseconds))) / 1e9
    }

    static func makeTotals(_ r: DrillResult) -> Totals {
        let attempted = r.journeysOk + r.journeysFailed + r.dropped
        let errorRate = attempted > 0 ? Double(r.journeysFailed + r.dropped) / Double(attempted) : 0
        let window = loadSeconds(r)
        let requests = r.requestsOk + r.requestsFailed
        return Totals(
            journeys: r.journeysStarted, journeysOk: r.journeysOk, journeysFailed: r.journeysFailed,
            journeysAbandoned: r.journeysAbandoned, requests: requests, ok: r.requestsOk, errors: r.requestsFailed,
            dropped: r.dropped, errorRate: errorRate,
            throughput: Throughput(
                requestsPerSecond: window > 0 ? Double(requests) / window : 0,
                journeysPerSecond: window > 0 ? Double(r.journeysOk + r.journeysFailed) / window : 0))
    }

    static func makeGenerator(_ r: DrillResult) -> GeneratorReport {
        let lag = r.generator.lag
        let lagP99 = lag.totalCount > 0 ? Double(lag.valueAtPercentile(99)) / 1000 : 0
        return GeneratorReport(
            eventLoops: r.generator.eventLoops,
            lagP50Ms: lag.totalCount > 0 ? Double(lag.valueAtPercentile(50)) / 1000 : 0, lagP99Ms: lagP99,
            lagMaxMs: lag.totalCount > 0 ? Double(lag.max) / 1000 : 0, dropped: r.dropped,
            saturated: VerdictRules.isSaturated(lagP99Ms: lagP99, saturatedSeconds: r.generator.saturatedSecondsRun),
            cpuBusyMax: r.generator.cpuBusyMax, saturatedSeconds: r.generator.saturatedSecondsRun,
            connectionsOpened: r.generator.connectionsOpened)
    }

    static func makeLoad(_ plan: Plan) -> LoadInfo {
        switch plan.load {
        case .open(let open):
            let schedule = ArrivalSchedule(load: open, seed: plan.seed)
            return LoadInfo(
                model: "open", plannedDurationSeconds: open.duration.seconds, arrival: open.arrival.rawValue,
                shape: open.shape?.name.rawValue,
                stages: open.stages.map { StageInfo(durationSeconds: $0.duration.seconds, from: $0.from, to: $0.to) },
                maxInFlight: open.maxInFlight, plannedArrivals: schedule.expectedArrivals)
        case .closed(let closed):
            return LoadInfo(
                model: "closed", plannedDurationSeconds: closed.duration.seconds, users: closed.users,
                thinkTimeMs: closed.thinkTime.milliseconds)
        }
    }

    public static func errorMap(_ e: ErrorCounts) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: e.nonZero.map { ($0.0.key, $0.1) })
    }

    /// Percentiles in ms from a µs histogram.
    public static func summary(_ h: Histogram<UInt64>) -> LatencySummary {
        guard h.totalCount > 0 else { return .empty }
        func ms(_ p: Double) -> Double { Double(h.valueAtPercentile(p)) / 1000 }
        return LatencySummary(
            count: Int(h.totalCount), p50: ms(50), p90: ms(90), p95: ms(95), p99: ms(99), p999: ms(99.9),
            max: Double(h.max) / 1000, mean: (h.mean / 1000 * 1000).rounded() / 1000)
    }
}

/// The one-second timeline of the report, built from the engine's 100 ms buckets.
public enum Timeline {
    /// With a `clock` that held, a second's planned arrivals follow scenario time: the rate in force while held.
    public static func perSecond(_ r: DrillResult, plan: Plan? = nil, clock: ScenarioClock? = nil) -> [TimelineEntry] {
        var schedule: ArrivalSchedule?
        if let plan, case .open(let open) = plan.load { schedule = ArrivalSchedule(load: open, seed: plan.seed) }
        let perSecond = Int(1_000_000_000 / DrillResult.bucketNanoseconds)
        var out: [TimelineEntry] = []
        // Trailing empty buckets (after the drain) are not part of the drill.
        var last = r.timeline.count - 1
        while last >= 0, isEmpty(r.timeline[last]) { last -= 1 }
        guard last >= 0 else { return [] }
        let seconds = last / perSecond + 1
        for s in 0..<seconds {
            var merged = TimelineBucket()
            var inFlight = 0
            var h = LatencyHistogram.makeCompact()
            for b in (s * perSecond)..<min((s + 1) * perSecond, r.timeline.count) {
                let bucket = r.timeline[b]
                merged.sent += bucket.sent
                merged.ok += bucket.ok
                merged.errors += bucket.errors
                merged.dropped += bucket.dropped
                merged.journeysStarted += bucket.journeysStarted
                merged.journeysOk += bucket.journeysOk
                merged.journeysFailed += bucket.journeysFailed
                inFlight = max(inFlight, bucket.inFlightMax)
                bucket.latencies.add(to: &h)
            }
            let p50 = h.totalCount > 0 ? Double(h.valueAtPercentile(50)) / 1000 : 0
            let p99 = h.totalCount > 0 ? Double(h.valueAtPercentile(99)) / 1000 : 0
            var offered: Double?
            if let schedule {
                offered = offeredRate(second: s, schedule: schedule, clock: clock)
            }
            out.append(
                TimelineEntry(
                    t: s, sent: merged.sent, ok: merged.ok, errors: merged.errors,
                    dropped: merged.dropped, p50: p50, p99: p99, inFlight: inFlight,
                    journeysStarted: merged.journeysStarted, journeysOk: merged.journeysOk,
                    journeysFailed: merged.journeysFailed, offered: offered))
        }
        return out
    }

    /// The planned arrivals per second over the part of drill second `s` the load lasted.
    static func offeredRate(second s: Int, schedule: ArrivalSchedule, clock: ScenarioClock?) -> Double {
        let a = Int64(s) * 1_000_000_000
        let pieces =
            clock?.pieces(drillFrom: a, to: a + 1_000_000_000)
            ?? [.running(scenarioFrom: a, scenarioTo: a + 1_000_000_000)]
        var arrivals = 0.0
        var nanoseconds: Int64 = 0
        for piece in pieces {
            switch piece {
            case .running(let from, let to):
                let b = min(to, schedule.duration)
                guard b > from else { continue }
                arrivals += schedule.cumulative(at: b) - schedule.cumulative(at: from)
                nanoseconds += b - from
            case .held(let at, let length):
                guard at < schedule.duration else { continue }
                arrivals += schedule.rate(at: max(0, at - 1)) * Double(length) / 1e9
                nanoseconds += length
            }
        }
        let rate = nanoseconds > 0 ? arrivals / (Double(nanoseconds) / 1e9) : 0
        return (rate * 100).rounded() / 100
    }

    /// The 100 ms timeline as columns, up to the last non-empty slice.
    public static func detail(_ r: DrillResult) -> TimelineDetail {
        var d = TimelineDetail(resolutionMs: Double(DrillResult.bucketNanoseconds) / 1e6)
        var last = r.timeline.count - 1
        while last >= 0, isEmpty(r.timeline[last]) { last -= 1 }
        guard last >= 0 else { return d }
        var h = LatencyHistogram.makeCompact()
        for b in r.timeline[0...last] {
            h.reset()
            b.latencies.add(to: &h)
            let has = h.totalCount > 0
            d.append(
                sent: b.sent, ok: b.ok, errors: b.errors, dropped: b.dropped, journeysOk: b.journeysOk,
                journeysFailed: b.journeysFailed, p50: has ? Double(h.valueAtPercentile(50)) / 1000 : 0,
                p99: has ? Double(h.valueAtPercentile(99)) / 1000 : 0)
        }
        return d
    }

    static func isEmpty(_ b: TimelineBucket) -> Bool {
        b.sent == 0 && b.ok == 0 && b.errors == 0 && b.dropped == 0 && b.journeysStarted == 0
    }
}
