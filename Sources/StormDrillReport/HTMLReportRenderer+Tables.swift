/// The page's tables: thresholds and SLO objectives, faults with their recovery, incidents, audits, probes, journeys,
/// steps, errors and the generator.
extension HTMLReportRenderer.Page {
    // MARK: Thresholds and SLO

    mutating func thresholds() {
        guard let list = report.thresholds, !list.isEmpty else { return }
        let failed = list.filter { !$0.passed }.count
        open("thresholds", "Thresholds")
        paragraph(failed == 0 ? "All \(list.count) passed." : "\(failed) of \(list.count) failed.")
        table(
            [.text("Metric"), .text("Phase"), .text("Condition"), .number("Actual"), .text("Result")],
            list.map { t in
                Row(
                    cells: [
                        h(t.metric), h(t.during), "<code>\(h(t.condition))</code>", h(t.actualText),
                        badge(t.passed),
                    ],
                    cssClass: t.passed ? "pass" : "fail", title: t.title)
            })
        close()
    }

    mutating func objectives() {
        guard !report.slo.isEmpty else { return }
        open("slo", "SLO objectives")
        table(
            [.text("Objective"), .number("Limit"), .number("Actual"), .text("Result")],
            report.slo.map { o in
                let actual =
                    o.name == "errorRate" ? SummaryRenderer.percent(o.actual) : SummaryRenderer.ms(o.actual)
                return Row(
                    cells: [h(o.name), h(o.limit), h(actual), badge(o.passed)],
                    cssClass: o.passed ? "pass" : "fail")
            })
        close()
    }

    // MARK: Faults and recovery

    mutating func faults() {
        let faults = report.faults ?? []
        let impacts = report.recovery?.faults ?? []
        guard !faults.isEmpty || !impacts.isEmpty else { return }
        var rows: [Row] = []
        var used = Set<Int>()
        for f in faults {
            let index = impacts.indices.first { !used.contains($0) && impacts[$0].fault == f.name }
            if let index { used.insert(index) }
            rows.append(faultRow(f, index.map { impacts[$0] }))
        }
        for (i, impact) in impacts.enumerated() where !used.contains(i) {
            rows.append(faultRow(nil, impact))
        }
        open("faults", "Faults and recovery")
        var titles = ["Fault", "Window", "Applied", "Impact", "Depth", "Recovery", "Notice", "Rollback"]
        // Time to detect (the alert) beside time to notice and recover, when the plan expects alerts.
        if report.monitoring?.alerts.isEmpty == false {
            titles.insert("Alert", at: 6)
            rows = rows.enumerated().map { i, row in
                var r = row
                let name = i < faults.count ? faults[i].name : ""
                r.cells.insert(alertCell(name) ?? "—", at: 6)
                return r
            }
        }
        table(titles.map(Column.text), rows, class: "faults")
        close()
    }

    /// One fault as realised, joined with its impact and recovery measures.
    func faultRow(_ f: FaultReport?, _ impact: FaultImpactReport?) -> Row {
        let none = "—"
        var bad = f?.outcome == .failed || f?.verified == false || impact?.recovered == false
        if f?.rollback == "failed" { bad = true }

        var fault = "<strong>\(h(f?.name ?? impact?.fault ?? ""))</strong>"
        if let f { fault += "<br>" + small("\(f.type) on \(f.on)") }

        var window = ""
        if let f {
            window =
                f.outcome == .skipped
                ? "skipped" : "\(h(offset(f.actualStartMs)))–\(h(f.actualEndMs.map(offset) ?? "end"))"
            window += "<br>" + small("planned \(offset(f.plannedStartMs))–\(f.plannedEndMs.map(offset) ?? "end")")
        } else if let impact {
            window = "\(h(offset(impact.startMs)))–\(h(impact.endMs.map(offset) ?? "end"))"
        }

        var applied = none
        if let f {
            switch (f.outcome, f.verified) {
            case (.applied, .some(true)): applied = "<span class=\"ok\">✓ verified</span>"
            case (.applied, .some(false)): applied = "<span class=\"bad\">✗ not verified</span>"
            case (.applied, .none): applied = "applied"
            case (.failed, _): applied = "<span class=\"bad\">FAILED</span>"
            case (.skipped, _): applied = "skipped"
            }
            if let e = f.evidence, !e.isEmpty { applied += "<br>" + small(e) }
            if let e = f.error, !e.isEmpty { applied += "<br><span class=\"small bad\">\(h(e))</span>" }
        }

        let rollback = f?.rollback.map { $0 == "failed" ? "<span class=\"bad\">failed</span>" : h($0) } ?? none
        guard let impact else {
            return Row(
                cells: [fault, window, applied, small("no recovery analysis"), none, none, none, rollback],
                cssClass: bad ? "fail" : nil)
        }

        var hit = "none detected"
        var depth = none
        var recovery = none
        if impact.impacted {
            hit = "after \(h(impact.timeToImpactMs.map(SummaryRenderer.ms) ?? none))"
            if let id = impact.incident { hit += "<br>" + small("incident #\(id)") }
            depth = "errors \(h(SummaryRenderer.percent(impact.worstErrorRate)))"
            depth += "<br>p99 \(h(SummaryRenderer.ms(impact.worstP99Ms)))"
            depth += "<br>" + small("\(count(Int(impact.throughputLost.rounded()))) requests lost")
            if !impact.recovered {
                recovery = "<span class=\"bad\">not recovered</span>"
            } else {
                recovery =
                    impact.timeToRecoverMs.map {
                        $0 == 0 ? "before the fault ended" : "\(h(SummaryRenderer.ms($0))) after the fault ended"
                    } ?? ""
                if let d = impact.impactDurationMs {
                    recovery += "<br>" + small("degraded for \(SummaryRenderer.ms(d))")
                }
            }
        }

        let notices = impact.notices.map { n -> String in
            var s = small("\(n.probe):") + " "
            guard let shown = n.timeToNoticeMs else { return s + "<span class=\"bad\">never shown</span>" }
            s += "shown after \(h(SummaryRenderer.ms(shown)))"
            s += n.timeToClearMs.map { ", cleared \(h(SummaryRenderer.ms($0))) after recovery" } ?? ", not cleared"
            return s
        }
        let notice = notices.isEmpty ? none : notices.joined(separator: "<br>")
        return Row(
            cells: [fault, window, applied, hit, depth, recovery, notice, rollback], cssClass: bad ? "fail" : nil)
    }

    mutating func incidents() {
        guard let rec = report.recovery else { return }
        open("incidents", "Incidents")
        if let b = rec.baseline {
            var s = "Baseline \(h(offset(b.fromMs)))–\(h(offset(b.toMs))): "
            s += "\(h(SummaryRenderer.rate(b.throughput))) ok/s, "
            s += "error rate \(h(SummaryRenderer.percent(b.errorRate))), p99 \(h(SummaryRenderer.ms(b.p99Ms)))"
            s += b.steady ? " (steady)." : " <span class=\"bad\">(not steady: comparisons are rough)</span>."
            paragraph(s)
        } else {
            paragraph("No baseline could be measured.")
        }
        var summary = "MTTR \(rec.mttrMs.map(SummaryRenderer.ms) ?? "—")"
        summary += " · \(rec.incidents.count) incident\(rec.incidents.count == 1 ? "" : "s")"
        if rec.unrecovered > 0 { summary += " · \(rec.unrecovered) not recovered by the end" }
        paragraph(h(summary))
        let s = rec.settings
        var settings = "Degraded: error rate above baseline + \(SummaryRenderer.percent(s.errorTolerance)), "
        settings += "p99 above \(SummaryRenderer.fixed(s.latencyFactor, 1))× baseline "
        settings += "(and +\(SummaryRenderer.ms(s.latencyFloorMs))), "
        settings += "or throughput below \(SummaryRenderer.percent(s.throughputFloor)) of baseline; "
        settings += "recovered when within tolerance for \(SummaryRenderer.ms(s.stableForMs)); "
        settings += "shorter than \(SummaryRenderer.ms(s.minIncidentMs)) is noise."
        paragraph(h(settings), class: "small")
        guard !rec.incidents.isEmpty else {
            paragraph("No incident: the target stayed within tolerance of its baseline.")
            close()
            return
        }
        table(
            [
                .text("#"), .text("Cause"), .number("Start"), .number("Recovered at"), .number("Duration"),
                .text("Out of tolerance"), .number("Worst error rate"), .number("Worst p99"),
                .number("Requests lost"), .number("Failed requests"),
            ],
            rec.incidents.map { i in
                Row(
                    cells: [
                        "\(i.id)", i.fault.map { "fault " + h($0) } ?? "<strong>unplanned</strong>",
                        h(offset(i.startMs)),
                        i.recoveredAtMs.map { h(offset($0)) } ?? "<span class=\"bad\">not recovered</span>",
                        h(SummaryRenderer.ms(i.durationMs)), h(i.causes.joined(separator: ", ")),
                        h(SummaryRenderer.percent(i.worstErrorRate)), h(SummaryRenderer.ms(i.worstP99Ms)),
                        count(Int(i.throughputLost.rounded())), count(i.failedRequests),
                    ],
                    cssClass: (i.fault == nil ? "unplanned" : "planned") + (i.recovered ? "" : " fail"))
            })
        close()
    }

    // MARK: Audit and probes

    mutating func audit() {
        guard let a = report.audit else { return }
        open("audit", "Audit")
        paragraph(
            "Every acknowledged order looked up again with <code>\(h(a.request))</code>; found means "
                + "<code>\(h(a.condition))</code>. Took \(h(SummaryRenderer.ms(a.durationMs))).")
        if a.incomplete { paragraph("The audit was cut short: the counts cover what was checked.", class: "bad") }
        var items: [(label: String, value: String, bad: Bool)] = [
            ("Acknowledged", count(a.acknowledged), false),
            ("Checked", count(a.checked), false),
            ("Found", count(a.found), false),
            ("Lost", count(a.lost), a.lost > 0),
            ("Unverified (no usable answer)", count(a.unverified), a.unverified > 0),
            ("Duplicates (keys acknowledged with two ids)", count(a.duplicates), a.duplicates > 0),
        ]
        if let c = a.compensation {
            let share = SummaryRenderer.percent(c.share)
            let value = "\(count(c.passed)) of \(count(c.eligible)) eligible — \(share)"
            items.append(("Compensated (\(c.condition))", value, c.passed < c.eligible))
        }
        facts(items)
        if !a.lostIds.isEmpty {
            let shown = Array(a.lostIds.prefix(AuditReport.maximumListedIds))
            let of = a.lost > shown.count ? " (first \(shown.count) of \(count(a.lost)))" : ""
            out += "<h3>Lost order ids\(of)</h3>\n"
            idList(shown)
        }
        if !a.duplicateKeys.isEmpty {
            out += "<h3>Duplicated idempotency keys</h3>\n"
            idList(Array(a.duplicateKeys.prefix(20)))
        }
        if let c = a.compensation, !c.failedIds.isEmpty {
            out += "<h3>Not compensated</h3>\n"
            idList(Array(c.failedIds.prefix(20)))
        }
        close()
    }

    mutating func probes() {
        guard let probes = report.probes, !probes.isEmpty else { return }
        open("probes", "Probes")
        table(
            [
                .text("Probe"), .text("Request"), .text("Condition"), .number("Every"), .number("Samples"),
                .number("Failed"), .text("Changes"),
            ],
            probes.map { p in
                let shown = p.changes.prefix(30)
                var changes = shown.map { "\(h(offset($0.atMs))) \($0.holds ? "<strong>holds</strong>" : "clear")" }
                    .joined(separator: " → ")
                if p.changes.count > shown.count { changes += " … \(p.changes.count - shown.count) more" }
                return Row(cells: [
                    h(p.name), "<code>\(h(p.request))</code>", "<code>\(h(p.condition))</code>",
                    h(SummaryRenderer.ms(p.everyMs)), count(p.samples), count(p.failedSamples),
                    p.changes.isEmpty ? "—" : "<span class=\"small\">\(changes)</span>",
                ])
            })
        close()
    }

    // MARK: Journeys, steps, errors, generator

    static let latencyColumns: [Column] = [
        .number("p50"), .number("p99"), .number("Service p50"), .number("Service p99"),
    ]

    func latencyCells(_ l: LatencySummary, _ service: LatencySummary) -> [String] {
        [l, service].flatMap { s in
            s.count > 0 ? [h(SummaryRenderer.ms(s.p50)), h(SummaryRenderer.ms(s.p99))] : ["—", "—"]
        }
    }

    mutating func journeys() {
        guard !report.journeys.isEmpty else { return }
        open("journeys", "Journeys")
        table(
            [.text("Journey"), .number("Weight"), .number("Ended"), .number("Ok"), .number("Failed")]
                + Self.latencyColumns,
            report.journeys.map { j in
                Row(
                    cells: [
                        h(j.name), h(SummaryRenderer.fixed(j.weight, 2)), count(j.count), count(j.ok),
                        count(j.failed),
                    ] + latencyCells(j.latency, j.serviceLatency),
                    cssClass: j.failed > 0 ? "warn" : nil)
            })
        close()
    }

    mutating func steps() {
        guard !report.steps.isEmpty else { return }
        open("steps", "Steps")
        table(
            [
                .text("Journey"), .text("Step"), .number("Requests"), .number("Ok"), .number("Errors"),
                .text("Error classes"),
            ] + Self.latencyColumns,
            report.steps.map { s in
                let classes = s.errorsByClass.sorted {
                    $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value
                }
                .prefix(4).map { "\($0.key): \(count($0.value))" }.joined(separator: ", ")
                return Row(
                    cells: [
                        h(s.journey), "\(h(s.name)) \(small(s.method))", count(s.count), count(s.ok),
                        count(s.errors), small(classes),
                    ] + latencyCells(s.latency, s.serviceLatency),
                    cssClass: s.errors > 0 ? "warn" : nil)
            })
        paragraph(
            "p50 and p99 from the intended send time; service: first byte sent to last byte received.",
            class: "small")
        close()
    }

    mutating func errors() {
        let r = report
        guard !r.errors.isEmpty || !r.errorSamples.isEmpty else { return }
        open("errors", "Errors")
        if !r.errors.isEmpty {
            let total = r.errors.values.reduce(0, +)
            let sorted = r.errors.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }
            table(
                [.text("Class"), .number("Count"), .number("Share")],
                sorted.map { name, n in
                    let share = total > 0 ? Double(n) / Double(total) : 0
                    return Row(cells: ["<code>\(h(name))</code>", count(n), h(SummaryRenderer.percent(share))])
                })
            paragraph("Failed and dropped journeys by the error class that ended them.", class: "small")
        }
        if !r.errorSamples.isEmpty {
            out += "<h3>Samples</h3>\n<ul class=\"samples\">\n"
            for s in r.errorSamples { out += "<li><code>\(h(s))</code></li>\n" }
            out += "</ul>\n"
        }
        close()
    }

    mutating func generator() {
        let g = report.generator
        open("generator", "Generator health")
        if g.saturated {
            paragraph(
                "The generator was <strong>saturated</strong>: the figures describe the generator, not the target.",
                class: "bad")
        } else {
            paragraph("The generator kept its schedule.")
        }
        let lag = [g.lagP50Ms, g.lagP99Ms, g.lagMaxMs].map(SummaryRenderer.ms).joined(separator: " / ")
        facts([
            ("Event loops", "\(g.eventLoops)", false),
            ("Scheduling lag p50 / p99 / max", lag, g.lagP99Ms > 5),
            ("Busiest event loop (CPU)", SummaryRenderer.percent(g.cpuBusyMax), g.cpuBusyMax >= 0.95),
            ("Longest saturated stretch", "\(g.saturatedSeconds) s", g.saturatedSeconds >= 2),
            ("Saturated", g.saturated ? "yes" : "no", g.saturated),
            ("Connections opened", count(g.connectionsOpened), false),
            ("Dropped arrivals", count(g.dropped), g.dropped > 0),
        ])
        close()
    }
}
