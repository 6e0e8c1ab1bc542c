import Foundation

/// The short human summary printed at the end of a run, in the spirit of k6's end-of-test summary.
public enum SummaryRenderer {
    public static func render(_ r: DrillReport, reportPath: String?) -> String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) {
            let dots = String(repeating: ".", count: max(2, 14 - label.count))
            lines.append("  \(label) \(dots) \(value)")
        }
        lines.append("")
        lines.append("  stormdrill \(r.tool.version) — drill \"\(r.plan.name)\" (seed \(r.plan.seed))")
        lines.append("")
        row("target", r.target.url + (r.target.embedded.map { " (embedded \($0))" } ?? ""))
        var load = "\(r.load.model)"
        if let a = r.load.arrival { load += "/\(a)" }
        if let s = r.load.shape { load += ", shape \(s)" }
        if let stages = r.load.stages { load += ", \(stages.count) stage\(stages.count == 1 ? "" : "s")" }
        if let u = r.load.users { load += ", \(u) users" }
        load += ", \(seconds(r.load.plannedDurationSeconds)) planned, ran \(seconds(r.durationSeconds))"
        row("load", load)
        let t = r.totals
        row(
            "journeys",
            "\(t.journeys) started: \(t.journeysOk) ok, \(t.journeysFailed) failed"
                + (t.journeysAbandoned > 0 ? ", \(t.journeysAbandoned) abandoned" : "")
                + "   \(rate(t.throughput.journeysPerSecond))/s")
        row("requests", "\(t.requests): \(t.ok) ok, \(t.errors) errors   \(rate(t.throughput.requestsPerSecond))/s")
        row("error rate", percent(t.errorRate) + (t.dropped > 0 ? " (\(t.dropped) dropped)" : ""))
        row("latency", latency(r.latency) + "   (from intended send time)")
        row("service", latency(r.serviceLatency) + "   (first byte sent to last byte received)")
        if !r.errors.isEmpty {
            let top = r.errors.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.prefix(6)
            row("errors", top.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        }
        let g = r.generator
        row(
            "generator",
            "lag p99 \(ms(g.lagP99Ms)), max \(ms(g.lagMaxMs)), cpu busy max \(percent(g.cpuBusyMax))"
                + (g.saturated ? ", SATURATED" : ""))
        for o in r.slo {
            row(
                "slo \(o.name)",
                "\(o.name == "errorRate" ? percent(o.actual) : ms(o.actual)) vs \(o.limit)  "
                    + (o.passed ? "✓" : "✗"))
        }
        for f in r.faults ?? [] {
            row("fault \(f.name)", faultLine(f))
        }
        if let a = r.abort {
            row("abort", "\(a.condition), tripped at \(seconds(a.atMs / 1000))")
        }
        if let rec = r.recovery, rec.baseline == nil, !rec.faults.isEmpty {
            row("recovery", "not measured: no healthy stretch before or after the faults to compare with")
        } else if let rec = r.recovery {
            for f in rec.faults {
                var line = recoveryLine(f)
                // Time to detect beside time to notice: the first expected alert of the fault.
                if let a = r.monitoring?.alerts.first(where: { $0.fault == f.fault }) {
                    line += a.timeToDetectMs.map { ", alert after \(seconds($0 / 1000))" } ?? ", NO ALERT"
                }
                row("recovery \(f.fault)", line)
            }
            let unplanned = rec.incidents.filter { $0.fault == nil }
            if !rec.incidents.isEmpty {
                row(
                    "incidents",
                    "\(rec.incidents.count)" + (unplanned.isEmpty ? "" : " (\(unplanned.count) unplanned)")
                        + (rec.mttrMs.map { ", MTTR \(seconds($0 / 1000))" } ?? "")
                        + (rec.unrecovered > 0 ? ", \(rec.unrecovered) NOT RECOVERED" : ""))
            }
        }
        if let a = r.availability {
            row("availability", availabilityLine(a))
            for f in a.faults {
                row("burn \(f.fault)", "\(burn(f.burnRate)) (errors \(percent(f.errorRate)) of \(f.requests) requests)")
            }
        }
        if let m = r.monitoring {
            for a in m.alerts { row("alert \(a.alert)", alertLine(a)) }
            let unplanned = m.falseAlarms.filter { $0.incident == nil }
            row(
                "alarms",
                unplanned.isEmpty
                    ? "none outside the faults"
                        + (m.failedPolls > 0 ? " (\(m.failedPolls) of \(m.polls) polls failed)" : "")
                    : "\(unplanned.count) outside every fault: "
                        + unplanned.prefix(3).map(\.alert).joined(separator: ", "))
        }
        if let a = r.audit {
            row(
                "audit",
                "\(a.lost) lost of \(a.acknowledged) acknowledged, \(a.duplicates) duplicate keys"
                    + (a.unverified > 0 ? ", \(a.unverified) unverified" : "")
                    + (a.compensation.map { ", compensated \(percent($0.share)) of \($0.eligible)" } ?? "")
                    + (a.incomplete ? " (incomplete)" : ""))
        }
        if let c = r.capacity, c.limitReached || c.forecast != nil {
            var line = MarkdownSummaryRenderer.capacityText(c)
            if let f = c.forecast {
                line += "; forecast needs \(rate(f.required))/s: \(f.covered ? "covered" : "NOT covered")"
            }
            row("capacity", line)
        }
        for t in r.thresholds ?? [] {
            row("threshold", "\(t.title): \(t.actualText)  " + (t.passed ? "✓" : "✗"))
        }
        if let g = r.gameDay {
            row(
                "game day",
                "\(g.participants.joined) joined, \(g.participants.active) active, \(g.feedback.count) reports,"
                    + " \(g.holds.count) hold\(g.holds.count == 1 ? "" : "s"), \(g.actionItems.count) action items")
            for f in g.faults where f.startMs != nil {
                row("felt \(f.fault)", MarkdownSummaryRenderer.perceivedText(f))
            }
        }
        lines.append("")
        row("status", r.status.rawValue + (r.interruption.map { " (\($0))" } ?? ""))
        row("verdict", r.verdict.rawValue)
        for reason in r.reasons { lines.append("      - \(reason)") }
        if let reportPath { row("report", reportPath) }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// `99.52% (target 99.9%), burn rate 4.8×, 0.011% of the 30d error budget`
    public static func availabilityLine(_ a: AvailabilityReport) -> String {
        "\(precise(a.availability)) (target \(precise(a.target))), burn rate \(burn(a.burnRate)),"
            + " \(precise(a.errorBudgetShare)) of the \(window(a.windowSeconds)) error budget"
    }

    /// A share with enough digits for nines: `99.952%`, `0.0113%`.
    public static func precise(_ share: Double) -> String {
        guard share.isFinite else { return "∞" }
        let p = share * 100
        if p == 0 || p == 100 { return fixed(p, 0) + "%" }
        if p >= 99 { return fixed(p, 3) + "%" }
        if p >= 1 { return fixed(p, 2) + "%" }
        return String(format: "%.3g", p) + "%"
    }

    public static func burn(_ rate: Double) -> String { rate.isFinite ? fixed(rate, rate < 10 ? 2 : 1) + "×" : "∞" }

    /// `30d`, `12h`.
    public static func window(_ seconds: Double) -> String {
        seconds.truncatingRemainder(dividingBy: 86_400) == 0
            ? "\(Int(seconds / 86_400))d"
            : seconds.truncatingRemainder(dividingBy: 3600) == 0
                ? "\(Int(seconds / 3600))h" : SummaryRenderer.seconds(seconds)
    }

    /// `fault payment-outage: detected after 6.0s (within 2m), resolved 9.0s after recovery`
    public static func alertLine(_ a: ExpectedAlertReport) -> String {
        var line = "fault \(a.fault): "
        switch a.outcome {
        case .faultNotRun: return line + "the fault did not run"
        case .missed: return line + "NEVER FIRED (expected within \(seconds(a.withinMs / 1000)))"
        case .unmeasured: return line + "NOT MEASURED (Prometheus could not be read)"
        case .detected, .late:
            line += a.outcome == .late ? "LATE, fired after " : "detected after "
            line += seconds((a.timeToDetectMs ?? 0) / 1000) + " (within \(seconds(a.withinMs / 1000)))"
        }
        if let t = a.timeToResolveMs {
            line += t >= 0 ? ", resolved \(seconds(t / 1000)) after recovery" : ", resolved before recovery"
        } else {
            line += ", still firing at the end"
        }
        return line
    }

    /// `impact after 0.1s for 5.0s, worst errors 100%, recovered 0.1s after the fault, notice after 1.0s`
    static func recoveryLine(_ f: FaultImpactReport) -> String {
        guard f.impacted else { return "no impact detected" }
        var line = "impact after \(seconds((f.timeToImpactMs ?? 0) / 1000))"
        if let d = f.impactDurationMs { line += " for \(seconds(d / 1000))" }
        line += ", worst errors \(percent(f.worstErrorRate)), p99 \(ms(f.worstP99Ms))"
        if let t = f.timeToRecoverMs {
            line += ", recovered \(seconds(t / 1000)) after the fault"
        } else {
            line += ", NOT RECOVERED"
        }
        if let n = f.notices.compactMap(\.timeToNoticeMs).min() {
            line += ", notice after \(seconds(n / 1000))"
        } else if !f.notices.isEmpty {
            line += ", no notice"
        }
        return line
    }

    /// `down on payment 3.00s–7.00s (planned 3s–7s) verified ✓`
    static func faultLine(_ f: FaultReport) -> String {
        func at(_ ms: Double?) -> String { ms.map { fixed($0 / 1000, 2) + "s" } ?? "end" }
        func planned(_ ms: Double?) -> String {
            guard let ms else { return "end" }
            return ms.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(ms / 1000))s" : fixed(ms / 1000, 2) + "s"
        }
        var s = "\(f.type) on \(f.on) "
        switch f.outcome {
        case .skipped:
            return s + "skipped (planned \(planned(f.plannedStartMs))–\(planned(f.plannedEndMs)))"
        case .applied, .failed:
            s +=
                "\(at(f.actualStartMs))–\(at(f.actualEndMs)) (planned \(planned(f.plannedStartMs))–\(planned(f.plannedEndMs)))"
        }
        if f.outcome == .failed { return s + " FAILED" }
        switch f.verified {
        case .some(true): s += " verified ✓"
        case .some(false): s += " NOT verified ✗"
        case .none: break
        }
        if f.rollback == "failed" { s += ", rollback FAILED" }
        return s
    }

    static func latency(_ l: LatencySummary) -> String {
        guard l.count > 0 else { return "no responses" }
        return "p50=\(ms(l.p50)) p90=\(ms(l.p90)) p99=\(ms(l.p99)) p99.9=\(ms(l.p999)) max=\(ms(l.max))"
    }

    /// `0.42ms`, `12.3ms`, `1.52s`
    public static func ms(_ v: Double) -> String {
        if v >= 1000 { return fixed(v / 1000, 2) + "s" }
        if v >= 100 { return fixed(v, 0) + "ms" }
        if v >= 10 { return fixed(v, 1) + "ms" }
        return fixed(v, 2) + "ms"
    }

    public static func seconds(_ v: Double) -> String { fixed(v, 1) + "s" }

    public static func percent(_ v: Double) -> String { fixed(v * 100, v * 100 < 10 ? 2 : 1) + "%" }

    public static func rate(_ v: Double) -> String { fixed(v, v < 100 ? 1 : 0) }

    /// Fixed-point formatting (C locale: always a '.').
    public static func fixed(_ v: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", v)
    }
}
