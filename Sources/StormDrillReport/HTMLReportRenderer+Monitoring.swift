/// The page's monitoring section: each expected alert with its time to detect and to resolve, and false alarms.
extension HTMLReportRenderer.Page {
    mutating func monitoring() {
        guard let m = report.monitoring else { return }
        open("monitoring", "Monitoring")
        var intro = "Alerts read from <code>\(h(m.prometheus))</code>: \(count(m.polls)) polls"
        if m.failedPolls > 0 {
            intro += ", <span class=\"bad\">\(count(m.failedPolls)) failed</span>"
            if let e = m.lastError { intro += " (" + h(e) + ")" }
        }
        paragraph(intro + ".")
        if !m.alerts.isEmpty {
            table(
                [
                    .text("Alert"), .text("Fault"), .number("Time to detect"), .number("Within"),
                    .text("Resolved"), .text("Result"),
                ],
                m.alerts.map { a in
                    let ok = a.outcome == .detected || a.outcome == .faultNotRun
                    var resolved = "—"
                    if let t = a.timeToResolveMs {
                        resolved =
                            t >= 0
                            ? "\(h(SummaryRenderer.ms(t))) after recovery"
                            : "\(h(SummaryRenderer.ms(-t))) before recovery"
                    } else if a.firedAtMs != nil {
                        resolved = "<span class=\"bad\">still firing</span>"
                    }
                    if let note = a.note { resolved += "<br>" + small(note) }
                    return Row(
                        cells: [
                            "<code>\(h(a.alert))</code>", h(a.fault),
                            h(a.timeToDetectMs.map(SummaryRenderer.ms) ?? "—"), h(SummaryRenderer.ms(a.withinMs)),
                            resolved,
                            ok
                                ? "<span class=\"ok\">\(h(a.outcome.rawValue))</span>"
                                : "<span class=\"bad\">\(h(a.outcome.rawValue))</span>",
                        ], cssClass: ok ? "pass" : "fail")
                })
        }
        if m.falseAlarms.isEmpty {
            paragraph("No alert fired outside the faults' windows.")
        } else {
            table(
                [.text("Alert outside every fault"), .text("Fired"), .text("Resolved"), .text("Unplanned incident")],
                m.falseAlarms.map { f in
                    Row(cells: [
                        "<code>\(h(f.alert))</code>", h(offset(f.firstMs)),
                        h(f.resolvedMs.map(offset) ?? "still firing"),
                        f.incident.map { "#\($0)" } ?? "none (a false alarm)",
                    ])
                })
        }
        close()
    }

    /// Availability against the target, the error budget and each fault's burn rate.
    mutating func availability() {
        guard let a = report.availability else { return }
        open("availability", "Availability and error budget")
        let s = SummaryRenderer.self
        paragraph(
            "Availability <strong>\(h(s.precise(a.availability)))</strong> against a target of"
                + " \(h(s.precise(a.target))): \(count(a.failed)) of \(count(a.requests)) requests failed or"
                + " were dropped. Burn rate \(h(s.burn(a.burnRate))); at the drill's traffic"
                + " (\(h(s.rate(a.requestRate))) requests/s) the \(h(s.window(a.windowSeconds)))"
                + " error budget is \(count(Int(a.budgetRequests.rounded()))) failed requests, of which this drill"
                + " consumed <strong>\(h(s.precise(a.errorBudgetShare)))</strong>.")
        if !a.faults.isEmpty {
            table(
                [.text("Fault"), .number("Requests"), .number("Failed"), .number("Error rate"), .number("Burn rate")],
                a.faults.map { f in
                    Row(cells: [
                        h(f.fault), count(f.requests), count(f.failed), h(SummaryRenderer.percent(f.errorRate)),
                        h(SummaryRenderer.burn(f.burnRate)),
                    ])
                })
        }
        close()
    }

    /// The expected alerts' detection of `fault`, for the faults table (nil: none expected).
    func alertCell(_ fault: String) -> String? {
        guard let alerts = report.monitoring?.alerts.filter({ $0.fault == fault }), !alerts.isEmpty else { return nil }
        return alerts.map { a -> String in
            var s = small("\(a.alert):") + " "
            guard let t = a.timeToDetectMs else { return s + "<span class=\"bad\">\(h(a.outcome.rawValue))</span>" }
            s +=
                a.outcome == .late
                ? "<span class=\"bad\">late, \(h(SummaryRenderer.ms(t)))</span>" : "after \(h(SummaryRenderer.ms(t)))"
            return s
        }.joined(separator: "<br>")
    }
}
