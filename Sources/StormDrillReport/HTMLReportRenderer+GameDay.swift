/// The game day in report.html: the phases as a ribbon and participants' reports as marks on every chart over drill
/// time, holds shaded, and a section with phases, measured against perceived recovery per fault, hypotheses, polls,
/// notes, announcements and what participants said.
extension HTMLReportRenderer.Page {
    /// Colour of a report's mark, by kind.
    static func feedbackColor(_ kind: String) -> String {
        switch kind {
        case "ok": SVGChart.green
        case "slow": SVGChart.orange
        case "error", "stuck": SVGChart.red
        case "notice": SVGChart.blue
        default: SVGChart.grey
        }
    }

    /// Adds the phases, holds and reports to a chart over drill time (seconds).
    func decorate(_ chart: inout SVGChart) {
        guard let g = report.gameDay else { return }
        chart.ribbon = g.phases.compactMap { p in
            guard let s = p.startMs else { return nil }
            let detail = "phase \(p.name): \(offset(s))–\(p.endMs.map(offset) ?? "end")"
            return SVGChart.RibbonSegment(
                from: s / 1000, to: p.endMs.map { $0 / 1000 }, label: p.name, detail: detail)
        }
        for hold in g.holds {
            let who = hold.reason == "gate" ? "gate \(hold.phase ?? "")" : "facilitator"
            chart.bands.append(
                .init(
                    from: hold.startMs / 1000, to: hold.endMs.map { $0 / 1000 }, label: "held",
                    style: .neutral,
                    detail: "held (\(who)): \(offset(hold.startMs))–\(hold.endMs.map(offset) ?? "end")"))
        }
        chart.events = g.feedback.map { f in
            var detail = "\(offset(f.atMs)) \(f.nickname ?? "participant"): \(f.kind)"
            if let t = f.text, !t.isEmpty { detail += " — \(t)" }
            return SVGChart.EventDot(
                x: f.atMs / 1000, color: Self.feedbackColor(f.kind), detail: detail, kind: "feedback-\(f.kind)")
        }
    }

    mutating func gameDay() {
        guard let g = report.gameDay else { return }
        open("game-day", "Game day: \(g.title)")
        var intro = "\(g.participants.joined) participant\(g.participants.joined == 1 ? "" : "s") joined,"
        intro +=
            " \(g.participants.active) sent something; \(g.feedback.count) report\(g.feedback.count == 1 ? "" : "s")."
        if g.haltedAtMs != nil { intro += " Halted by the facilitator at \(offset(g.haltedAtMs))." }
        if g.rebuiltFromJournal {
            intro += " Rebuilt from the game-day journal after the driver stopped: measured figures are missing."
        }
        paragraph(h(intro) + " The debrief draft is <code>debrief.md</code> beside this page.", class: "note")

        out += "<h3>Phases</h3>\n"
        let phaseRows = g.phases.map { p -> Row in
            var name = "<strong>\(h(p.name))</strong>"
            if p.gate { name += " " + small("gate") }
            let planned = offset(p.plannedScenarioMs)
            var actual = p.startMs == nil ? "not reached" : "\(offset(p.startMs))–\(p.endMs.map(offset) ?? "end")"
            if let held = p.gateHeldMs { actual += "<br>" + small("gate held \(offset(held))") }
            let reports = counts(p.feedback)
            var poll = "—"
            if let q = p.poll {
                poll =
                    "\(h(q.question))<br>"
                    + small(
                        q.openedAtMs == nil ? "never asked" : "\(q.yes) yes · \(q.no) no · \(q.unsure) not sure")
            }
            return Row(
                cells: [
                    name, h(planned), actual,
                    h(p.brief) + (p.expect.isEmpty ? "" : "<br>" + small("expect: \(p.expect)")),
                    "\(p.participants.active)/\(p.participants.joined)", reports, poll,
                ])
        }
        table(
            [
                Column.text("Phase"), .number("Planned (scenario)"), .text("Actual"), .text("Brief"),
                .number("Active/joined"), .text("Reports"), .text("Poll"),
            ], phaseRows)

        if !g.faults.isEmpty {
            out += "<h3>Measured and perceived</h3>\n"
            let rows = g.faults.map { f -> Row in
                let none = "—"
                var window =
                    f.startMs == nil
                    ? (f.skippedByFacilitator ? "skipped by the facilitator" : f.outcome)
                    : "\(offset(f.startMs))–\(f.endMs.map(offset) ?? "end")"
                window = h(window) + "<br>" + small("planned \(offset(f.plannedScenarioStartMs)) (scenario)")
                let measured: String
                if f.measuredImpact == nil {
                    measured = "not measured"
                } else if f.measuredImpact == false {
                    measured = "no impact"
                } else if f.measuredRecovered == false {
                    measured = "never recovered"
                } else {
                    measured = offset(f.measuredRecoveryMs)
                }
                let perceived = f.perceivedRecoveryMs.map { offset($0) } ?? "no trouble reported"
                let bad =
                    f.measuredRecovered == false || (f.perceivedRecoveryMs ?? 0) > (f.measuredRecoveryMs ?? 0) + 30_000
                return Row(
                    cells: [
                        "<strong>\(h(f.fault))</strong>", window, f.timeToFirstReportMs.map { h(offset($0)) } ?? none,
                        f.timeToFirstNoticeMs.map { h(offset($0)) } ?? none,
                        f.timeToAnnounceMs.map { h(offset($0)) } ?? "never", h(measured), h(perceived),
                        counts(f.feedback), "\(f.participants.active)/\(f.participants.joined)",
                    ], cssClass: bad ? "warn" : nil)
            }
            table(
                [
                    Column.text("Fault"), .text("Window"), .number("First report"),
                    .number("First notice report"),
                    .number("Announced"), .number("Measured recovery"), .number("Perceived recovery"),
                    .text("Reports"), .number("Active/joined"),
                ], rows, class: "game-day-faults")
            paragraph(
                "First report, notice and announcement: from the fault's start. Recoveries: from its end; perceived is"
                    + " the last slow, error or stuck report in the fault's window (to two minutes after its end).",
                class: "note")
        }

        if !g.hypotheses.isEmpty {
            out += "<h3>Hypotheses</h3>\n"
            let rows = g.hypotheses.map { hyp -> Row in
                let badge: String
                switch hyp.outcome {
                case "held": badge = "<span class=\"badge badge-pass\">held</span>"
                case "failed": badge = "<span class=\"badge badge-fail\">failed</span>"
                default: badge = small("not measured")
                }
                return Row(
                    cells: [badge, h(hyp.hypothesis), h(hyp.phase), hyp.thresholds.map(h).joined(separator: "<br>")],
                    cssClass: hyp.outcome == "failed" ? "fail" : nil)
            }
            table([Column.text(""), .text("Hypothesis"), .text("Phase"), .text("Thresholds")], rows)
        }

        if !g.outsideFaults.items.isEmpty {
            paragraph(
                h(
                    "\(g.outsideFaults.count) report(s) of trouble while no fault was in force; \(g.outsideFaults.matched)"
                        + " fell in an unplanned incident."), class: "note")
        }

        let log: [(Double, String)] =
            g.announcements.map { ($0.atMs, "<strong>announcement</strong> \(h($0.text))") }
            + g.notes.map { ($0.atMs, ($0.action ? "<strong>action</strong> " : "note ") + h($0.text)) }
        if !log.isEmpty {
            out += "<h3>Notes and announcements</h3>\n"
            table(
                [.number("At"), .text("")],
                log.sorted { $0.0 < $1.0 }.map { Row(cells: [h(offset($0.0)), $0.1]) })
        }

        if !g.feedback.isEmpty {
            out += "<h3>Reports</h3>\n"
            let rows = g.feedback.suffix(300).map { f -> Row in
                Row(
                    cells: [
                        h(offset(f.atMs)), h(f.nickname ?? "—"), h(f.kind), h(f.text ?? ""), h(f.orderId ?? ""),
                        h(f.phase ?? ""), h(f.faults.joined(separator: ", ")),
                    ], cssClass: f.isNegative ? "warn" : nil)
            }
            table(
                [
                    Column.number("At"), .text("Who"), .text("Kind"), .text("Said"), .text("Order"),
                    .text("Phase"),
                    .text("Faults in force"),
                ], rows)
            if g.feedback.count > 300 { paragraph(h("The latest 300 of \(g.feedback.count) reports."), class: "note") }
        }
        close()
    }

    func counts(_ c: FeedbackCounts) -> String {
        let parts = c.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return parts.isEmpty ? "—" : h(parts.joined(separator: " · "))
    }
}
