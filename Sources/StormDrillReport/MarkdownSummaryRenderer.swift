/// `summary.md`: one page for the weekly review — verdict, key figures, each fault with its recovery measures,
/// the audits and the failed thresholds. Rendered from report.json alone.
public enum MarkdownSummaryRenderer {
    public static func render(_ r: DrillReport) -> String {
        typealias S = SummaryRenderer
        var out: [String] = []
        out.append("# Drill \(escape(r.plan.name)): \(r.verdict.rawValue)")
        out.append("")
        var status = "Started \(r.startedAt), ran \(S.seconds(r.durationSeconds)) against \(escape(r.target.url))"
        if let e = r.target.embedded { status += " (embedded \(e))" }
        status += "; status **\(r.status.rawValue)**"
        if let i = r.interruption { status += " (\(escape(i)))" }
        out.append(status + ".")
        if !r.reasons.isEmpty {
            out.append("")
            out.append("Why \(r.verdict.rawValue):")
            for reason in r.reasons { out.append("- \(escape(reason))") }
        }

        out.append("")
        out.append("## Key figures")
        out.append("")
        out.append("| figure | value |")
        out.append("|---|---|")
        let t = r.totals
        out.append("| journeys | \(t.journeys) started, \(t.journeysOk) ok, \(t.journeysFailed) failed |")
        out.append(
            "| throughput | \(S.rate(t.throughput.journeysPerSecond)) journeys/s, \(S.rate(t.throughput.requestsPerSecond)) requests/s |"
        )
        out.append("| error rate | \(S.percent(t.errorRate))\(t.dropped > 0 ? " (\(t.dropped) dropped)" : "") |")
        out.append("| latency p50 / p99 (intended time) | \(S.ms(r.latency.p50)) / \(S.ms(r.latency.p99)) |")
        out.append(
            "| latency p50 / p99 (service time) | \(S.ms(r.serviceLatency.p50)) / \(S.ms(r.serviceLatency.p99)) |")
        if let rec = r.recovery {
            out.append(
                "| incidents | \(rec.incidents.count)\(rec.unrecovered > 0 ? " (\(rec.unrecovered) not recovered)" : "") |"
            )
            out.append("| MTTR | \(rec.mttrMs.map { S.seconds($0 / 1000) } ?? "no incident") |")
        }
        if let a = r.audit {
            out.append("| lost orders | \(a.lost) of \(a.acknowledged) acknowledged |")
        }
        if let c = r.capacity {
            out.append("| capacity | \(capacityText(c)) |")
        }
        out.append("| generator | lag p99 \(S.ms(r.generator.lagP99Ms))\(r.generator.saturated ? ", SATURATED" : "") |")

        if let faults = r.recovery?.faults, !faults.isEmpty {
            out.append("")
            out.append("## Faults and recovery")
            out.append("")
            if r.recovery?.baseline == nil {
                out.append("Not measured: no healthy stretch before or after the faults to compare with.")
                out.append("")
            }
            out.append(
                "| fault | window | detected | time to impact | worst error rate | worst p99 | impact | time to recover | notice | cleared |"
            )
            out.append("|---|---|---|---|---|---|---|---|---|---|")
            for f in faults {
                let window = "\(S.seconds(f.startMs / 1000))–\(f.endMs.map { S.seconds($0 / 1000) } ?? "end")"
                let notice =
                    f.notices.compactMap(\.timeToNoticeMs).min().map { S.seconds($0 / 1000) }
                    ?? (f.notices.isEmpty ? "–" : "never")
                let cleared =
                    f.notices.compactMap(\.timeToClearMs).min().map { S.seconds($0 / 1000) }
                    ?? (f.notices.isEmpty ? "–" : "not cleared")
                let recover: String =
                    !f.impacted ? "–" : f.timeToRecoverMs.map { S.seconds($0 / 1000) } ?? "**not recovered**"
                out.append(
                    "| \(escape(f.fault)) | \(window) | \(f.impacted ? "yes" : "no") | "
                        + "\(f.timeToImpactMs.map { S.seconds($0 / 1000) } ?? "–") | \(S.percent(f.worstErrorRate)) | "
                        + "\(S.ms(f.worstP99Ms)) | \(f.impactDurationMs.map { S.seconds($0 / 1000) } ?? "–") | "
                        + "\(recover) | \(notice) | \(cleared) |")
            }
            for f in r.faults ?? [] where f.verified == false || f.error != nil {
                out.append("")
                out.append(
                    "- \(escape(f.name)): \(f.verified == false ? "not verified" : "failed")"
                        + ((f.error ?? f.evidence).map { ": \(escape($0))" } ?? ""))
            }
        }
        if let incidents = r.recovery?.incidents.filter({ $0.fault == nil }), !incidents.isEmpty {
            out.append("")
            out.append("Unplanned incidents:")
            for i in incidents {
                out.append(
                    "- #\(i.id) from \(S.seconds(i.startMs / 1000)) for \(S.seconds(i.durationMs / 1000))"
                        + " (\(i.causes.joined(separator: ", ")))\(i.recovered ? "" : ", not recovered")")
            }
        }

        if let a = r.availability {
            out.append("")
            out.append("## Availability and error budget")
            out.append("")
            out.append(
                "- Availability **\(S.precise(a.availability))** against a target of \(S.precise(a.target)):"
                    + " \(a.failed) of \(a.requests) requests failed or dropped.")
            out.append(
                "- Burn rate \(S.burn(a.burnRate)); at the drill's traffic (\(S.rate(a.requestRate)) requests/s) the"
                    + " \(S.window(a.windowSeconds)) error budget is \(Int(a.budgetRequests.rounded()))"
                    + " failed requests,"
                    + " of which this drill consumed **\(S.precise(a.errorBudgetShare))**.")
            if !a.faults.isEmpty {
                out.append("")
                out.append("| fault | requests | failed | error rate | burn rate |")
                out.append("|---|---|---|---|---|")
                for f in a.faults {
                    out.append(
                        "| \(escape(f.fault)) | \(f.requests) | \(f.failed) | \(S.percent(f.errorRate))"
                            + " | \(S.burn(f.burnRate)) |"
                    )
                }
            }
        }

        if let m = r.monitoring {
            out.append("")
            out.append("## Monitoring")
            out.append("")
            out.append(
                "Alerts read from `\(m.prometheus)`: \(m.polls) polls"
                    + (m.failedPolls > 0
                        ? ", **\(m.failedPolls) failed**" + (m.lastError.map { " (\(escape($0)))" } ?? "") : "")
                    + ".")
            if !m.alerts.isEmpty {
                out.append("")
                // Per fault, side by side: the alert (detect), the probes (notice), the facilitator (announce, a
                // game day's) and the platform (recover).
                out.append(
                    "| alert | fault | time to detect | within | time to notice | time to announce | time to recover"
                        + " | resolved | result |")
                out.append("|---|---|---|---|---|---|---|---|---|")
                for a in m.alerts {
                    let impact = r.recovery?.faults.first { $0.fault == a.fault }
                    let notice =
                        impact?.notices.compactMap(\.timeToNoticeMs).min().map { S.seconds($0 / 1000) } ?? "–"
                    let announce =
                        r.gameDay?.faults.first { $0.fault == a.fault }?.timeToAnnounceMs.map { S.seconds($0 / 1000) }
                        ?? "–"
                    let recover =
                        impact.map { f in
                            !f.impacted
                                ? "no impact" : f.timeToRecoverMs.map { S.seconds($0 / 1000) } ?? "not recovered"
                        } ?? "–"
                    let resolved =
                        a.timeToResolveMs.map {
                            $0 >= 0 ? "\(S.seconds($0 / 1000)) after recovery" : "before recovery"
                        } ?? (a.firedAtMs == nil ? "–" : "still firing")
                    let result =
                        a.outcome == .detected || a.outcome == .faultNotRun
                        ? a.outcome.rawValue : "**\(a.outcome.rawValue)**"
                    out.append(
                        "| `\(escape(a.alert))` | \(escape(a.fault)) | "
                            + "\(a.timeToDetectMs.map { S.seconds($0 / 1000) } ?? "–") | "
                            + "\(S.seconds(a.withinMs / 1000)) | \(notice) | \(announce) | \(recover) | \(resolved)"
                            + " | \(result) |")
                }
            }
            out.append("")
            if m.falseAlarms.isEmpty {
                out.append("No alert fired outside the faults' windows.")
            } else {
                out.append("Alerts outside every fault:")
                for f in m.falseAlarms {
                    out.append(
                        "- `\(escape(f.alert))` from \(S.seconds(f.firstMs / 1000))"
                            + (f.resolvedMs.map { " to \(S.seconds($0 / 1000))" } ?? ", still firing")
                            + (f.incident.map { " (unplanned incident #\($0))" } ?? " (a false alarm)"))
                }
            }
        }

        if let a = r.audit {
            out.append("")
            out.append("## Audits")
            out.append("")
            out.append(
                "- Lost orders: **\(a.lost)** of \(a.acknowledged) acknowledged (\(a.found) found, \(a.unverified)"
                    + " unverified\(a.incomplete ? ", audit incomplete" : "")) by `\(a.request)`, \(a.condition).")
            if !a.lostIds.isEmpty { out.append("  Lost ids: \(a.lostIds.map(escape).joined(separator: ", "))") }
            out.append("- Duplicates (one idempotency key, several ids): **\(a.duplicates)**.")
            if let c = a.compensation {
                out.append(
                    "- Compensation (`\(c.condition)`) on orders placed during a fault: \(c.passed) of \(c.eligible)"
                        + " (\(S.percent(c.share))).")
            }
        }
        if let c = r.capacity, let f = c.forecast {
            out.append("")
            out.append("## Capacity against the forecast")
            out.append("")
            out.append(
                "Forecast peak \(S.rate(f.peakRate))/s × headroom \(f.headroom) = \(S.rate(f.required))/s needed;"
                    + " capacity \(capacityText(c)): **\(f.covered ? "covered" : "not covered")**"
                    + (f.margin.map { " (\($0 >= 0 ? "+" : "")\(S.percent($0)))" } ?? "") + ".")
        }
        if let thresholds = r.thresholds, !thresholds.isEmpty {
            out.append("")
            out.append("## Thresholds")
            out.append("")
            out.append("| threshold | actual | result |")
            out.append("|---|---|---|")
            for th in thresholds {
                out.append("| \(escape(th.title)) | \(escape(th.actualText)) | \(th.passed ? "pass" : "**FAIL**") |")
            }
        }
        if let g = r.gameDay {
            out.append("")
            out.append("## Game day: \(escape(g.title))")
            out.append("")
            out.append(
                "\(g.participants.joined) participants joined, \(g.participants.active) sent something;"
                    + " \(g.feedback.count) reports, \(g.holds.count) holds. The draft review is `debrief.md`.")
            out.append("")
            out.append("| fault | measured against perceived |")
            out.append("|---|---|")
            for f in g.faults where f.startMs != nil {
                out.append("| \(escape(f.fault)) | \(escape(perceivedText(f))) |")
            }
            for h in g.hypotheses {
                out.append("")
                out.append(
                    "- hypothesis \(h.outcome == "held" ? "held" : h.outcome == "failed" ? "**FAILED**" : "not measured"):"
                        + " \(escape(h.hypothesis))")
            }
        }
        out.append("")
        return out.joined(separator: "\n")
    }

    /// `first report 12s, first notice 20s, announced 45s; recovered 3.0s after (measured), 40s (perceived)`
    static func perceivedText(_ f: GameDayFaultReport) -> String {
        func d(_ ms: Double?) -> String { ms.map { SummaryRenderer.seconds($0 / 1000) } ?? "none" }
        var s = "first report \(d(f.timeToFirstReportMs)), first notice \(d(f.timeToFirstNoticeMs)),"
        s += " announced \(f.timeToAnnounceMs.map { SummaryRenderer.seconds($0 / 1000) } ?? "never"); recovery "
        if f.measuredImpact == nil {
            s += "not measured"
        } else if f.measuredRecovered == false {
            s += "never (measured)"
        } else {
            s += "\(d(f.measuredRecoveryMs)) (measured)"
        }
        s += ", \(f.perceivedRecoveryMs.map { SummaryRenderer.seconds($0 / 1000) } ?? "no trouble") (perceived)"
        return s
    }

    static func capacityText(_ c: CapacityReport) -> String {
        guard let cap = c.capacity else { return "not found (no rate held the SLO)" }
        var s = "\(c.limitReached ? "" : "at least ")\(SummaryRenderer.rate(cap))/s"
        if let rate = c.brokeAtRate, c.limitReached {
            s += ", broke at \(SummaryRenderer.rate(rate))/s (\(c.brokenBy.joined(separator: ", ")))"
        }
        return s
    }

    /// Keeps report text (and people's text, in a debrief) from breaking the Markdown table or formatting: markup
    /// characters escaped, line breaks and other control characters made spaces.
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "|": out += "\\|"
            case "*", "_", "`", "<", ">", "[", "]", "\\", "#": out += "\\\(ch)"
            default:
                if ch.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                    out += " "
                } else {
                    out.append(ch)
                }
            }
        }
        return out
    }
}
