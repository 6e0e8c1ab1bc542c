import StormDrillPlan
import StormDrillReport

/// Joins the alerts Prometheus showed during the drill with the faults that ran and the recovery analysis: time to
/// detect and to resolve for each expected alert, and the alerts that fired outside every fault. Pure.
public enum AlertAnalysis {
    /// What the alert watcher saw.
    public struct Watch: Sendable, Equatable {
        public var prometheus: String
        public var polls: Int
        public var failedPolls: Int
        public var lastError: String?
        /// Drill time of each failed poll (ms), to tell whether a failure hid a detection.
        public var failedAtMs: [Double]
        public var observed: [ObservedAlert]
        /// When the watch ended (ms from the drill start).
        public var endMs: Double

        public init(
            prometheus: String, polls: Int, failedPolls: Int, lastError: String?, failedAtMs: [Double],
            observed: [ObservedAlert], endMs: Double
        ) {
            self.prometheus = prometheus
            self.polls = polls
            self.failedPolls = failedPolls
            self.lastError = lastError
            self.failedAtMs = failedAtMs
            self.observed = observed
            self.endMs = endMs
        }
    }

    /// A fault's realised window: start, end (nil: to the end) and whether it ran.
    public typealias FaultWindow = (name: String, startMs: Double, endMs: Double?, ran: Bool)

    public static func analyze(
        plan: MonitoringPlan, watch: Watch, faults: [FaultWindow], recovery: RecoveryReport?
    ) -> MonitoringReport {
        func recoveredAt(_ fault: String, end: Double?) -> Double? {
            if let recovery, let f = recovery.faults.first(where: { $0.fault == fault }) {
                return NoticeAnalysis.recoveryPoint(of: f, in: recovery) ?? end
            }
            return end
        }
        var alerts: [ExpectedAlertReport] = []
        for e in plan.expectAlerts {
            var r = ExpectedAlertReport(
                alert: e.selector, fault: e.fault, withinMs: e.within.milliseconds, outcome: .missed)
            guard let window = faults.first(where: { $0.name == e.fault }), window.ran else {
                r.outcome = .faultNotRun
                alerts.append(r)
                continue
            }
            r.faultStartMs = window.startMs
            r.recoveredAtMs = recoveredAt(e.fault, end: window.endMs)
            let matching = watch.observed.filter { o in
                o.alert == e.alert && e.labels.allSatisfy { o.labels[$0.key] == $0.value }
                    && (o.resolvedMs ?? .infinity) > window.startMs
            }.sorted { $0.firstMs < $1.firstMs }
            if let first = matching.first {
                let fired = max(first.firstMs, window.startMs)
                r.firedAtMs = fired
                r.timeToDetectMs = fired - window.startMs
                r.outcome = r.timeToDetectMs! <= e.within.milliseconds ? .detected : .late
                var notes: [String] = []
                if first.firstMs < window.startMs { notes.append("already firing when the fault began") }
                if let resolved = first.resolvedMs {
                    r.resolvedAtMs = resolved
                    if let recovered = r.recoveredAtMs { r.timeToResolveMs = resolved - recovered }
                    if let ttr = r.timeToResolveMs, ttr < 0 { notes.append("resolved before the platform recovered") }
                } else {
                    notes.append("still firing when the drill ended")
                }
                r.note = notes.isEmpty ? nil : notes.joined(separator: "; ")
            } else {
                // A detection deadline that passed while Prometheus could not be read is not a miss: unmeasured.
                let deadline = window.startMs + e.within.milliseconds
                let blind = watch.polls == 0 || watch.failedAtMs.contains { $0 >= window.startMs && $0 <= deadline }
                if blind { r.outcome = .unmeasured }
                if watch.endMs < deadline && r.outcome == .missed {
                    r.note =
                        "the drill ended \(SummaryRenderer.seconds((deadline - watch.endMs) / 1000))"
                        + " before the deadline"
                }
            }
            alerts.append(r)
        }
        // Every fault's window, from its start until it recovered (or the watch ended).
        let windows: [(Double, Double)] = faults.filter(\.ran).map { f in
            (f.startMs, max(recoveredAt(f.name, end: f.endMs) ?? watch.endMs, f.endMs ?? watch.endMs))
        }
        var falseAlarms: [AlarmReport] = []
        for o in watch.observed {
            let end = o.resolvedMs ?? watch.endMs
            let inFault = windows.contains { o.firstMs <= $0.1 && end >= $0.0 }
            guard !inFault else { continue }
            let incident = recovery?.incidents.first { i in
                i.fault == nil && o.firstMs <= (i.recoveredAtMs ?? watch.endMs) && end >= i.startMs
            }?.id
            falseAlarms.append(
                AlarmReport(alert: o.selector, firstMs: o.firstMs, resolvedMs: o.resolvedMs, incident: incident))
        }
        return MonitoringReport(
            prometheus: watch.prometheus, polls: watch.polls, failedPolls: watch.failedPolls,
            lastError: watch.lastError, alerts: alerts, falseAlarms: falseAlarms,
            observed: Array(watch.observed.prefix(MonitoringReport.maximumObserved)))
    }

    /// The verdict's reasons: each expected alert that did not fire in time.
    public static func reasons(_ report: MonitoringReport) -> [String] {
        report.alerts.compactMap { a in
            switch a.outcome {
            case .detected, .faultNotRun: nil
            case .late:
                "alert \(a.alert) fired \(SummaryRenderer.seconds((a.timeToDetectMs ?? 0) / 1000)) after fault"
                    + " \(a.fault) began (expected within \(SummaryRenderer.seconds(a.withinMs / 1000)))"
            case .missed: "expected alert \(a.alert) never fired for fault \(a.fault)"
            case .unmeasured:
                "expected alert \(a.alert) for fault \(a.fault) not measured: Prometheus could not be read"
                    + (report.lastError.map { " (\($0))" } ?? "")
            }
        }
    }
}
