import StormDrillEngine
import StormDrillPlan
import StormDrillReport

/// The analysis sections of the report: fine timeline, recovery, capacity, audit and thresholds.
extension ReportBuilder {
    struct Checks {
        var detail: TimelineDetail?
        var recovery: RecoveryReport?
        var capacity: CapacityReport?
        var audit: AuditReport?
        var thresholds: [ThresholdResult]?
        var monitoring: MonitoringReport?
        var availability: AvailabilityReport?
    }

    static func makeChecks(
        result: DrillResult, totals: Totals, context: RunContext, timeline: [TimelineEntry]
    ) -> Checks {
        let plan = context.plan
        var checks = Checks()
        guard result.journeysStarted > 0 || result.dropped > 0 else {
            // Nothing ran: thresholds still get a line each, all unmeasured.
            let thresholds = ThresholdEvaluation.effectiveThresholds(plan.checks, isOpen: plan.isOpenModel)
            if !thresholds.isEmpty {
                checks.thresholds = ThresholdEvaluation(
                    timeline: [], bucketMs: 100, faults: [], loadEndMs: 0, recovery: nil, audit: nil, capacity: nil,
                    forecast: plan.checks.forecast
                ).evaluate(thresholds)
            }
            return checks
        }
        let detail = Timeline.detail(result)
        checks.detail = detail
        let loadEndMs = Double(result.loadEndedNanoseconds) / 1e6
        let windows = faultWindows(context)
        let settings = plan.checks.analysis
        var recovery = RecoveryAnalysis.analyze(
            detail: detail,
            faults: windows.filter(\.ran).map { FaultWindow(name: $0.name, startMs: $0.startMs, endMs: $0.endMs) },
            loadEndMs: loadEndMs, settings: RecoveryAnalysis.settings(from: settings))
        if let probes = context.probes, !probes.isEmpty {
            recovery = NoticeAnalysis.apply(probes: probes, to: recovery)
        }
        checks.recovery = recovery
        if let target = plan.slo.availability {
            checks.availability = ErrorBudget.analyze(
                target: target, windowSeconds: plan.slo.windowSeconds, totals: totals, timeline: result.timeline,
                bucketMs: Double(DrillResult.bucketNanoseconds) / 1e6, faults: windows,
                loadSeconds: loadSeconds(result))
        }
        if let monitoring = plan.monitoring, let watch = context.alerts {
            checks.monitoring = AlertAnalysis.analyze(
                plan: monitoring, watch: watch, faults: windows, recovery: recovery)
        }

        // A capacity search needs a rate that only climbs (a lunch-peak shape rises and falls again: its "knee" on
        // the way down would say nothing); a plan with a forecast asks for it anyway.
        if case .open(let open) = plan.load, open.isRisingRamp || plan.checks.forecast != nil {
            checks.capacity = CapacityAnalysis.analyze(
                timeline: timeline, p99LimitMs: plan.slo.p99?.milliseconds,
                errorRateLimit: plan.slo.errorRate ?? ServiceLevelObjective.defaultErrorRate,
                windowSeconds: max(1, Int(settings.capacityWindow.seconds.rounded())),
                forecast: plan.checks.forecast.map { ($0.peakRate, $0.headroom) }, loadEndMs: loadEndMs)
        }

        if let outcome = context.audit, let audit = plan.checks.audit {
            // Orders placed from a fault's start until the target recovered from it were hurt by it.
            let hurt: [(startMs: Double, endMs: Double)] = recovery.faults.map { f in
                let recoveredAt = NoticeAnalysis.recoveryPoint(of: f, in: recovery)
                return (f.startMs, max(recoveredAt ?? loadEndMs, f.endMs ?? loadEndMs))
            }
            checks.audit = AuditSummary.build(outcome, audit: audit, windows: hurt)
        }

        let thresholds = ThresholdEvaluation.effectiveThresholds(plan.checks, isOpen: plan.isOpenModel)
        if !thresholds.isEmpty {
            var evaluation = ThresholdEvaluation(
                timeline: result.timeline, bucketMs: Double(DrillResult.bucketNanoseconds) / 1e6,
                faults: windows, loadEndMs: loadEndMs, recovery: recovery, audit: checks.audit,
                capacity: checks.capacity, forecast: plan.checks.forecast, phases: context.phaseWindows)
            evaluation.announcementsMs = (context.gameDayRecords ?? []).filter { $0.type == .announcement }.map(\.atMs)
            evaluation.monitoring = checks.monitoring
            evaluation.availability = checks.availability
            checks.thresholds = evaluation.evaluate(thresholds)
        }
        return checks
    }

    /// The faults' realised windows in plan order; a fault that never ran keeps its planned window, marked.
    static func faultWindows(_ context: RunContext) -> [(name: String, startMs: Double, endMs: Double?, ran: Bool)] {
        (context.faults ?? []).map { f in
            let ran = f.outcome == .applied && f.actualStartMs != nil
            return (
                f.name, f.actualStartMs ?? f.plannedStartMs, ran ? (f.actualEndMs ?? f.plannedEndMs) : f.plannedEndMs,
                ran
            )
        }
    }
}

extension OpenLoad {
    /// Stages that never lower the rate and raise it at least once.
    var isRisingRamp: Bool {
        var rate = 0.0
        for stage in stages {
            guard stage.from >= rate - 1e-9, stage.to >= stage.from else { return false }
            rate = stage.to
        }
        return stages.contains(where: \.isRamp)
    }
}

extension Plan {
    var isOpenModel: Bool {
        if case .open = load { return true }
        return false
    }
}
