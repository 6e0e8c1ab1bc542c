import StormDrillReport

/// When the probes (the incident notice on `/status`, say) showed each fault and when they stopped showing it.
/// Pure. The measures are defined in docs/report-format.md.
public enum NoticeAnalysis {
    /// `report` with the `notices` of every fault filled in from `probes` (one entry per probe, in probe order).
    /// The recovery point of an impacted fault is the recovery of the last incident attributed to it.
    public static func apply(probes: [ProbeReport], to report: RecoveryReport) -> RecoveryReport {
        var out = report
        for k in out.faults.indices {
            let fault = out.faults[k]
            out.faults[k].notices = notices(
                faultStartMs: fault.startMs, recoveryPointMs: recoveryPoint(of: fault, in: report), probes: probes)
        }
        return out
    }

    /// The point a probe's notice should clear after: the recovery of the fault's last incident when it was
    /// impacted (nil when that never recovered), else the fault's end (nil for a kill never restarted).
    public static func recoveryPoint(of fault: FaultImpactReport, in report: RecoveryReport) -> Double? {
        guard fault.impacted else { return fault.endMs }
        let mine = report.incidents.filter { $0.fault == fault.fault }
        guard let last = mine.last else {
            // An impacted fault whose incident is not in the report: fall back on its own figures.
            guard let end = fault.endMs, let recover = fault.timeToRecoverMs else { return nil }
            return end + recover
        }
        return last.recoveredAtMs
    }

    /// One notice per probe for a fault that started at `faultStartMs` and recovered at `recoveryPointMs`
    /// (nil: it never did, so no notice can clear).
    ///
    /// Time to notice: 0 when the probe already held at the fault start, else the first change to `holds` at or
    /// after the start, minus the start; nil when none. Time to clear (only when noticed): 0 when the notice had
    /// shown and cleared again by the recovery point, else the first change to not holding after both the recovery
    /// point and the notice, minus the recovery point; nil when none.
    public static func notices(
        faultStartMs: Double, recoveryPointMs: Double?, probes: [ProbeReport]
    ) -> [NoticeReport] {
        probes.map { probe in
            let noticedAt: Double?
            if probe.holds(atMs: faultStartMs) == true {
                noticedAt = faultStartMs
            } else {
                noticedAt = probe.changes.first { $0.holds && $0.atMs >= faultStartMs }?.atMs
            }
            guard let noticedAt else { return NoticeReport(probe: probe.name, timeToNoticeMs: nil, timeToClearMs: nil) }
            var clear: Double?
            if let point = recoveryPointMs {
                if noticedAt <= point, probe.holds(atMs: point) == false {
                    clear = 0
                } else {
                    let after = max(point, noticedAt)
                    clear = probe.changes.first { !$0.holds && $0.atMs > after }.map { $0.atMs - point }
                }
            }
            return NoticeReport(probe: probe.name, timeToNoticeMs: noticedAt - faultStartMs, timeToClearMs: clear)
        }
    }
}
