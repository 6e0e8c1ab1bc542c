import Foundation

/// `debrief.md`: a draft post-incident review of a game day, for the facilitator to finish with the room. Rendered
/// from report.json's `gameDay` (and the drill around it) alone: what was rehearsed, the timeline, measured against
/// perceived per fault, hypotheses held or failed, action items from the notes, what participants said, and the open
/// questions the figures raise. Times are drill time, `mm:ss` from the drill start.
public enum DebriefRenderer {
    public static let fileName = "debrief.md"

    /// The draft, or nil when the report has no game day.
    public static func render(_ report: DrillReport) -> String? {
        guard let g = report.gameDay else { return nil }
        var out = "# Debrief: \(md(g.title))\n\n"
        out +=
            "_Draft post-incident review of the game day of \(report.startedAt.prefix(10)) (plan `\(report.plan.name)`, "
        out +=
            "drill \(report.status.rawValue), verdict \(report.verdict.rawValue)). Written by StormDrill from report.json "
        out += "and gameday.jsonl; edit it with the room._\n\n"
        if g.rebuiltFromJournal {
            out +=
                "> The driver stopped before it wrote its report: this draft was rebuilt from the game-day journal alone, "
            out += "so what participants did is complete but measured figures are missing.\n\n"
        }
        if let interruption = report.interruption { out += "> The drill ended early: \(md(interruption)).\n\n" }

        // What was rehearsed.
        out += "## What was rehearsed\n\n"
        out += "\(g.participants.joined) participant\(g.participants.joined == 1 ? "" : "s") joined, "
        out += "\(g.participants.active) sent something. Phases:\n\n"
        for p in g.phases {
            let when = p.startMs.map { "at \(clock($0))" } ?? "never reached"
            out += "- **\(md(p.name))** (\(when)\(p.gate ? ", gated" : "")): \(md(p.brief))"
            if !p.expect.isEmpty { out += " Expected: \(md(p.expect))" }
            out += "\n"
        }
        if !g.faults.isEmpty {
            out += "\nFaults:\n\n"
            for f in g.faults {
                out += "- **\(md(f.fault))**: "
                if let s = f.startMs {
                    out += "\(clock(s))–\(f.endMs.map(clock) ?? "end") (planned \(clock(f.plannedScenarioStartMs)) on"
                    out += " the scenario clock), \(f.outcome)"
                } else {
                    out += f.skippedByFacilitator ? "skipped by the facilitator" : "not applied (\(f.outcome))"
                }
                out += "\n"
            }
        }

        // Timeline.
        out += "\n## Timeline\n\n| time | what |\n|---|---|\n"
        for (at, text) in timeline(report, g) { out += "| \(clock(at)) | \(cell(text)) |\n" }

        // Measured against perceived.
        out += "\n## Measured and perceived, per fault\n\n"
        out += "| fault | measured impact | first report | first notice report | announced | measured recovery"
        out += " | perceived recovery | reports |\n|---|---|---|---|---|---|---|---|\n"
        for f in g.faults where f.startMs != nil {
            let impact = f.measuredImpact.map { $0 ? "yes" : "none" } ?? "not measured"
            let measured: String
            if f.measuredImpact == nil {
                measured = "not measured"
            } else if f.measuredRecovered == false {
                measured = "never recovered"
            } else {
                measured = f.measuredRecoveryMs.map(duration) ?? "—"
            }
            let reports = f.feedback.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            out += "| \(md(f.fault)) | \(impact) | \(f.timeToFirstReportMs.map(duration) ?? "none")"
            out +=
                " | \(f.timeToFirstNoticeMs.map(duration) ?? "none") | \(f.timeToAnnounceMs.map(duration) ?? "never")"
            out += " | \(measured) | \(f.perceivedRecoveryMs.map(duration) ?? "no trouble reported")"
            out += " | \(reports.isEmpty ? "none" : reports) |\n"
        }
        out +=
            "\nFirst report and first notice: from the fault's start. Recoveries: from the fault's end (perceived: the last"
        out += " slow, error or stuck report in its window). Definitions: docs/report-format.md, \"Game day\".\n"

        // Hypotheses.
        if !g.hypotheses.isEmpty {
            out += "\n## Hypotheses\n\n"
            for h in g.hypotheses {
                out += "- **\(h.outcome.uppercased())**: \(md(h.hypothesis)) (phase \(md(h.phase)))"
                if !h.thresholds.isEmpty { out += ": " + h.thresholds.map(md).joined(separator: "; ") }
                out += "\n"
            }
        }

        // Polls.
        let polls = g.phases.compactMap { p in p.poll.map { (p.name, $0) } }
        if !polls.isEmpty {
            out += "\n## Polls\n\n"
            for (phase, poll) in polls {
                out += "- \(md(poll.question)) (after \(md(phase))): "
                out +=
                    poll.openedAtMs == nil
                    ? "never asked\n" : "\(poll.yes) yes, \(poll.no) no, \(poll.unsure) not sure\n"
            }
        }

        // Action items.
        out += "\n## Action items\n\n"
        let actions = g.actionItems
        if actions.isEmpty {
            out += "None were noted (a note starting `action:` becomes one).\n"
        } else {
            for a in actions { out += "- [ ] \(md(a))\n" }
        }
        let observations = g.notes.filter { !$0.action }
        if !observations.isEmpty {
            out += "\nObservations:\n\n"
            for n in observations { out += "- \(clock(n.atMs)): \(md(n.text))\n" }
        }

        // Participants' comments.
        let comments = g.feedback.filter { ($0.text ?? "").isEmpty == false }
        out += "\n## What participants said\n\n"
        if comments.isEmpty {
            out += "No comments were written (\(g.feedback.count) one-tap report\(g.feedback.count == 1 ? "" : "s")).\n"
        } else {
            for c in comments {
                let who = c.nickname.map(md) ?? "anonymous"
                out +=
                    "- \(clock(c.atMs)) \(who) (\(c.kind)\(c.faults.isEmpty ? "" : ", during \(c.faults.joined(separator: ", "))")):"
                out += " \u{201C}\(md(c.text ?? ""))\u{201D}\n"
            }
        }

        // Open questions.
        out += "\n## Open questions\n\n"
        let questions = openQuestions(report, g)
        if questions.isEmpty {
            out += "None stood out from the figures; ask the room what surprised them.\n"
        } else {
            for q in questions { out += "- \(q)\n" }
        }
        return out
    }

    /// Phases, holds, faults, announcements, notes and feedback peaks in time order.
    static func timeline(_ report: DrillReport, _ g: GameDayReport) -> [(Double, String)] {
        var items: [(Double, String)] = []
        for p in g.phases { if let s = p.startMs { items.append((s, "phase **\(p.name)** begins")) } }
        for h in g.holds {
            let who = h.reason == "gate" ? "gate of \(h.phase ?? "?")" : "the facilitator"
            items.append((h.startMs, "held by \(who)"))
            if let e = h.endMs { items.append((e, "continued after \(duration(h.heldMs ?? e - h.startMs))")) }
        }
        for f in g.faults {
            if let s = f.startMs { items.append((s, "fault **\(f.fault)** applied")) }
            if let e = f.endMs { items.append((e, "fault **\(f.fault)** rolled back")) }
        }
        for a in g.announcements { items.append((a.atMs, "announcement: \(md(a.text))")) }
        for n in g.notes { items.append((n.atMs, (n.action ? "action item: " : "note: ") + md(n.text))) }
        for (at, count, kinds) in feedbackPeaks(g.feedback) {
            items.append((at, "feedback peak: \(count) reports in 10 s (\(kinds))"))
        }
        if let halted = g.haltedAtMs { items.append((halted, "**halted by the facilitator**")) }
        return items.sorted { $0.0 < $1.0 }
    }

    /// The busiest 10-second windows with at least 2 reports (at most 3), by count.
    static func feedbackPeaks(_ feedback: [FeedbackItem]) -> [(Double, Int, String)] {
        var buckets: [Int: [FeedbackItem]] = [:]
        for f in feedback { buckets[Int(f.atMs / 10_000), default: []].append(f) }
        let top = buckets.filter { $0.value.count >= 2 }.sorted { a, b in
            a.value.count != b.value.count ? a.value.count > b.value.count : a.key < b.key
        }.prefix(3)
        return top.map { key, items in
            var kinds: [String: Int] = [:]
            for i in items { kinds[i.kind, default: 0] += 1 }
            let text = kinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return (Double(key) * 10_000, items.count, text)
        }
    }

    static func openQuestions(_ report: DrillReport, _ g: GameDayReport) -> [String] {
        var out: [String] = []
        for f in g.faults where f.startMs != nil {
            if f.timeToFirstReportMs == nil && f.participants.active > 0 {
                out.append(
                    "Nobody reported trouble during **\(f.fault)**: was it invisible from the app, or did people stop looking?"
                )
            }
            if f.measuredImpact == true && f.timeToFirstNoticeMs == nil && f.participants.joined > 0 {
                out.append(
                    "The target was measurably hurt by **\(f.fault)**, but no participant reported seeing a notice: did the incident notice show?"
                )
            }
            if f.timeToAnnounceMs == nil && f.participants.joined > 0 {
                out.append("No announcement was made during **\(f.fault)**: who owns telling people, and how soon?")
            }
            if let p = f.perceivedRecoveryMs, let m = f.measuredRecoveryMs, p > m + 30_000 {
                out.append(
                    "People still reported trouble \(duration(p)) after **\(f.fault)** ended, though the target recovered in \(duration(m)): what did they still see?"
                )
            }
            if f.measuredRecovered == false {
                out.append("**\(f.fault)**: the target had not recovered when the drill ended.")
            }
        }
        for f in g.faults where f.skippedByFacilitator {
            out.append("**\(f.fault)** was skipped: rehearse it next time, or drop it from the plan?")
        }
        for h in g.hypotheses where h.outcome == "failed" {
            out.append("The hypothesis \u{201C}\(md(h.hypothesis))\u{201D} failed: what must change for it to hold?")
        }
        let unmatched = g.outsideFaults.count - g.outsideFaults.matched
        if unmatched > 0 {
            out.append(
                "\(unmatched) report\(unmatched == 1 ? "" : "s") of trouble came while no fault was in force and the measurements saw nothing: what did those participants see?"
            )
        }
        if g.outsideFaults.matched > 0 {
            out.append(
                "\(g.outsideFaults.matched) report\(g.outsideFaults.matched == 1 ? "" : "s") fell in an unplanned incident: what caused it?"
            )
        }
        if g.haltedAtMs != nil {
            out.append("The drill was halted: what made the facilitator pull the lever, and was it right?")
        }
        return out
    }

    // MARK: - Formatting

    /// `mm:ss` (or `h:mm:ss`) of drill time.
    static func clock(_ ms: Double) -> String {
        let total = Int((max(0, ms) / 1000).rounded(.down))
        let h = total / 3600
        let m = (total % 3600) / 60
        let s = total % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%02d:%02d", m, s)
    }

    static func duration(_ ms: Double) -> String {
        ms >= 10_000 ? SummaryRenderer.seconds(ms / 1000) : SummaryRenderer.ms(ms)
    }

    /// Text from people, safe in Markdown (the summary's escaping).
    static func md(_ s: String) -> String { MarkdownSummaryRenderer.escape(s) }

    /// A table cell of the renderer's own text, where people's text went through `md` already: one line.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "\n", with: " ")
    }
}
